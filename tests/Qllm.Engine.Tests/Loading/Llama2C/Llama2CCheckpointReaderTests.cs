using Qllm.Artifacts.Schema;
using Qllm.Core.Errors;
using Qllm.Engine.Loading.Llama2C;
using Qllm.Engine.Loading;

namespace Qllm.Engine.Tests.Loading.Llama2C;

public sealed class Llama2CCheckpointReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-l2c-").FullName;

    [Fact]
    public void Reads_the_stories15M_header()
    {
        var config = Llama2CCheckpointReader.ReadConfig(TestData.ModelPath);
        Assert.Equal(new LlamaConfig(288, 768, 6, 6, 6, 32000, 256, 1e-5, 10000, TiedEmbeddings: true, RopeLayout.Interleaved), config);
        Assert.Equal(new FileInfo(TestData.ModelPath).Length, Llama2CCheckpointReader.ExpectedBytes(config));
    }

    [Fact]
    public void Reads_every_tensor_with_its_shape()
    {
        using var checkpoint = Llama2CCheckpointReader.Read(TestData.ModelPath);
        Assert.Equal(2 + (6 * 9), checkpoint.Tensors.Count); // embedding (tied classifier), final norm, 7 linears and 2 norms a layer
        Assert.Equal([32000L, 288], checkpoint.Tensors[TensorNames.Embedding].shape);
        Assert.Equal([768L, 288], checkpoint.Tensors[TensorNames.Linear(5, "mlp.gate_proj")].shape);
        Assert.Equal([288L, 768], checkpoint.Tensors[TensorNames.Linear(5, "mlp.down_proj")].shape);
        Assert.True(checkpoint.Tensors[TensorNames.FinalNorm].abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_truncated_checkpoint_names_the_file_and_both_sizes()
    {
        var path = Path.Combine(_folder, "truncated.bin");
        using (var source = File.OpenRead(TestData.ModelPath))
        using (var target = File.Create(path))
        {
            var buffer = new byte[1_000_000];
            source.ReadExactly(buffer);
            target.Write(buffer);
        }

        var error = Assert.Throws<QllmException>(() => Llama2CCheckpointReader.Read(path));
        Assert.Equal(ErrorCodes.BadCheckpoint, error.Code);
        Assert.Equal(path, error.File);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("1,000,000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_longer_than_its_header_says_is_refused_with_both_sizes()
    {
        var path = Path.Combine(_folder, "trailing.bin");
        File.Copy(TestData.ModelPath, path);
        using (var stream = new FileStream(path, FileMode.Append))
        {
            stream.Write(new byte[4096]);
        }

        var error = Assert.Throws<QllmException>(() => Llama2CCheckpointReader.Read(path));
        Assert.Equal(ErrorCodes.BadCheckpoint, error.Code);
        Assert.Equal(path, error.File);
        Assert.Contains("60,816,028 bytes but the file has 60,820,124 (4,096 too many)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 288, 768, 6, 6, 6, 32000 })]                  // shorter than a header
    [InlineData(new[] { 2_000_000_000, 768, 6, 6, 6, 32000, 256 })]  // absurd dim: must not allocate
    [InlineData(new[] { 288, 768, 6, 7, 6, 32000, 256 })]            // dim not divisible by heads
    [InlineData(new[] { 0x464c457f, 0x00010102, 0, 0, 0, 0, 0 })]      // an ELF file, say
    public void A_header_that_is_not_a_llama2c_model_is_refused(int[] header)
    {
        var path = Path.Combine(_folder, "bad.bin");
        File.WriteAllBytes(path, header.SelectMany(BitConverter.GetBytes).ToArray());
        var error = Assert.Throws<QllmException>(() => Llama2CCheckpointReader.Read(path));
        Assert.Equal(ErrorCodes.BadCheckpoint, error.Code);
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void A_missing_file_is_an_input_error()
    {
        var path = Path.Combine(_folder, "absent.bin");
        var error = Assert.Throws<QllmException>(() => Llama2CCheckpointReader.Read(path));
        Assert.Equal(ErrorCodes.InputNotFound, error.Code);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

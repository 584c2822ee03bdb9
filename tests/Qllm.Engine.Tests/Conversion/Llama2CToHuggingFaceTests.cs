using Qllm.Artifacts.Schema;
using Qllm.Artifacts.Tokenization;
using Qllm.Engine.Conversion;
using Qllm.Engine.Loading;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Conversion;

public sealed class Llama2CToHuggingFaceTests(Stories15MFixture stories) : IClassFixture<Stories15MFixture>, IDisposable
{
    private static readonly long[] Prompt = [1, 9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257];
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-convert-").FullName;

    [Fact]
    public void The_converted_folder_gives_the_logits_of_the_llama2c_checkpoint()
    {
        Llama2CToHuggingFace.Convert(TestData.ModelPath, TestData.TokenizerPath, _folder);
        Assert.True(File.Exists(Path.Combine(_folder, "config.json")));
        Assert.True(File.Exists(Path.Combine(_folder, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(_folder, "tokenizer.model")));
        Assert.True(File.Exists(Path.Combine(_folder, "tokenizer.bin")));

        using var original = ModelLoader.Load(TestData.ModelPath, null, CPU);
        using var converted = ModelLoader.Load(_folder, null, CPU);
        Assert.Equal(RopeLayout.HalfSplit, converted.Model.Config.RopeLayout);
        Assert.IsType<SentencePieceTokenizer>(converted.Tokenizer);
        using var noGrad = no_grad();
        var input = tensor(Prompt, [1, Prompt.Length]);
        var expected = original.Model.forward(input);
        var actual = converted.Model.forward(input);
        Assert.True(expected.allclose(actual, rtol: 1e-4, atol: 1e-4), $"max difference {(expected - actual).abs().max().item<float>()}");
    }

    [Theory]
    [InlineData(ScalarType.Float16, null)]
    [InlineData(ScalarType.BFloat16, 8_000_000L)]
    public void Half_precision_and_sharded_copies_load_and_predict_the_same_tokens(ScalarType dtype, long? maxShardBytes)
    {
        Llama2CToHuggingFace.Convert(TestData.ModelPath, null, _folder, dtype, maxShardBytes);
        Assert.Equal(maxShardBytes is null, File.Exists(Path.Combine(_folder, "model.safetensors")));
        using var converted = ModelLoader.Load(_folder, null, CPU);
        using var reference = Qllm.Engine.Modeling.LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var noGrad = no_grad();
        var input = tensor(Prompt, [1, Prompt.Length]);
        var expected = reference.forward(input).argmax(-1);
        var actual = converted.Model.forward(input).argmax(-1);
        Assert.Equal(expected.data<long>().ToArray(), actual.data<long>().ToArray());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

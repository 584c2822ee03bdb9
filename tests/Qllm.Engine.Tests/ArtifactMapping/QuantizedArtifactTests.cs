using Qllm.Engine.ArtifactMapping;
using Qllm.Core.Errors;
using Qllm.Engine.Loading;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using Qllm.Engine.Tests.Quantization;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.ArtifactMapping;

public sealed class QuantizedArtifactTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-artifact-").FullName;

    [Theory]
    [InlineData("W4A4", QuantizationMethod.Qllm, RotationKind.None, WeightRounding.Nearest)]
    [InlineData("W4A16", QuantizationMethod.Rtn, RotationKind.None, WeightRounding.Nearest)]
    [InlineData("W4A4", QuantizationMethod.Rtn, RotationKind.Hadamard, WeightRounding.Nearest)]
    [InlineData("W4A8", QuantizationMethod.Qllm, RotationKind.Hadamard, WeightRounding.Gptq)]
    public void Loading_the_artifact_back_reproduces_the_quantized_logits_exactly(string preset, QuantizationMethod method, RotationKind rotation, WeightRounding rounding)
    {
        var options = new QuantizeOptions(QuantizationSettings.Presets[preset], method, Samples: 2, Epochs: 1, Rotation: rotation, WeightRounding: rounding);
        var path = Path.Combine(_folder, $"{preset}-{method}-{rotation}-{rounding}.qllm");
        using var loaded = ModelLoader.Load(TestData.ModelPath, null, CPU);
        if (rotation == RotationKind.Hadamard)
        {
            ModelRotation.Apply(loaded.Model, options.Seed);
        }

        using var result = QllmQuantizer.Quantize(loaded.Model, QllmQuantizerTests.Calibration(loaded, options.Samples), options);
        var inputs = new QuantizationInputs(InputFile.Of(TestData.ModelPath), InputFile.Of(TestData.TokenizerPath), InputFile.Of(TestData.CalibrationTextPath));
        QuantizedArtifact.Write(path, loaded, result, inputs, options);

        // Packed 4-bit weights: far smaller than the 60.8 MB float checkpoint.
        Assert.InRange(new FileInfo(path).Length, 10_000_000, 0.35 * new FileInfo(TestData.ModelPath).Length);
        using var reloaded = ModelLoader.Load(path, null, CPU);
        Assert.Equal(loaded.Model.Config, reloaded.Model.Config);
        Assert.Equal(ModelRotation.Sites(loaded.Model).Select(s => (s.Name, s.Transform.Order)), ModelRotation.Sites(reloaded.Model).Select(s => (s.Name, s.Transform.Order)));
        using var noGrad = no_grad();
        var input = tensor(loaded.Tokenizer.Encode("Once upon a time, there was a little girl").Prepend(1).Select(t => (long)t).ToArray()).unsqueeze(0);
        Assert.True(loaded.Model.forward(input).eq(reloaded.Model.forward(input)).all().item<bool>(), "logits differ");
        Assert.Equal(loaded.Tokenizer.Encode("Lily's ball"), reloaded.Tokenizer.Encode("Lily's ball"));
    }

    [Fact]
    public void A_cancelled_run_leaves_no_artifact_and_resumes_to_the_bytes_of_an_uninterrupted_run()
    {
        // Every step a resumed run must restore: reassembly, fused corrections, rotation, GPTQ codes.
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A4"], QuantizationMethod.Qllm, Samples: 2, Epochs: 1, BlockLayers: 3, Rotation: RotationKind.Hadamard, WeightRounding: WeightRounding.Gptq);
        QuantizationJob.Run(Request("uninterrupted.qllm", options), CPU, _ => { });

        var resumed = Request("resumed.qllm", options);
        StopAfterTheFirstBlock(resumed);

        Assert.False(File.Exists(resumed.OutputPath));
        Assert.True(Directory.Exists(resumed.OutputPath + ".checkpoint"));
        var lines = new List<string>();
        QuantizationJob.Run(resumed, CPU, lines.Add);
        Assert.Contains(lines, line => line.StartsWith("resuming after block 0", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith("block 0 (", StringComparison.Ordinal));
        Assert.False(Directory.Exists(resumed.OutputPath + ".checkpoint"));
        AssertSameBytes(Path.Combine(_folder, "uninterrupted.qllm"), resumed.OutputPath);
    }

    [Fact]
    public void A_checkpoint_of_a_run_with_other_options_is_ignored_and_the_log_says_so()
    {
        var resumed = Request("resumed.qllm", Plain);
        StopAfterTheFirstBlock(resumed with { Options = Plain with { Seed = 7 } });
        Assert.True(Directory.Exists(resumed.OutputPath + ".checkpoint"));

        var lines = new List<string>();
        QuantizationJob.Run(resumed, CPU, lines.Add);

        Assert.Contains(lines, line => line.StartsWith($"ignoring the checkpoint in {resumed.OutputPath}.checkpoint: it is from a run with other inputs or options; starting over", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith("resuming", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("block 0 (", StringComparison.Ordinal));
        Assert.False(Directory.Exists(resumed.OutputPath + ".checkpoint"));
        QuantizationJob.Run(Request("uninterrupted.qllm", Plain), CPU, _ => { });
        AssertSameBytes(Path.Combine(_folder, "uninterrupted.qllm"), resumed.OutputPath);
    }

    [Theory]
    [InlineData("inputs.safetensors")]
    [InlineData("block-0.safetensors")]
    public void A_checkpoint_cut_short_is_ignored_and_the_log_says_so(string file)
    {
        var resumed = Request("resumed.qllm", Plain);
        StopAfterTheFirstBlock(resumed);
        var cut = Path.Combine(resumed.OutputPath + ".checkpoint", file);
        using (var stream = new FileStream(cut, FileMode.Open, FileAccess.Write))
        {
            // As a copy or a disk that failed mid-write would leave it: the header whole, the data not.
            stream.SetLength(stream.Length / 2);
        }

        var lines = new List<string>();
        QuantizationJob.Run(resumed, CPU, lines.Add);

        var ignored = Assert.Single(lines, line => line.StartsWith($"ignoring the checkpoint in {resumed.OutputPath}.checkpoint: ", StringComparison.Ordinal));
        Assert.Contains($"{cut} cannot be read (", ignored, StringComparison.Ordinal);
        Assert.EndsWith("; starting over", ignored, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.StartsWith("resuming", StringComparison.Ordinal));
        Assert.False(Directory.Exists(resumed.OutputPath + ".checkpoint"));
        QuantizationJob.Run(Request("uninterrupted.qllm", Plain), CPU, _ => { });
        AssertSameBytes(Path.Combine(_folder, "uninterrupted.qllm"), resumed.OutputPath);
    }

    [Fact]
    public void Weights_with_nan_are_refused_before_quantizing()
    {
        var model = Path.Combine(_folder, "nan.bin");
        var bytes = File.ReadAllBytes(TestData.ModelPath);
        BitConverter.GetBytes(float.NaN).CopyTo(bytes, 28 + (4 * 1000)); // inside the embedding
        File.WriteAllBytes(model, bytes);
        File.Copy(TestData.TokenizerPath, Path.Combine(_folder, "tokenizer.bin"));
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A4"], QuantizationMethod.Rtn, Samples: 1);
        var error = Assert.Throws<QllmException>(() => QuantizationJob.Run(new QuantizeRequest(model, null, TestData.CalibrationTextPath, Path.Combine(_folder, "nan.qllm"), options), CPU, _ => { }));
        Assert.Equal(ErrorCodes.BadWeights, error.Code);
        Assert.Equal(model, error.File);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>GPTQ rounding in two blocks: the cheapest run that calibrates, and so checkpoints.</summary>
    private static QuantizeOptions Plain => new(QuantizationSettings.Presets["W4A4"], QuantizationMethod.Rtn, Samples: 2, Epochs: 1, BlockLayers: 3, WeightRounding: WeightRounding.Gptq);

    private static void StopAfterTheFirstBlock(QuantizeRequest request)
    {
        using var cancellation = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => QuantizationJob.Run(request, CPU, line =>
        {
            if (line.StartsWith("block 0 (", StringComparison.Ordinal))
            {
                cancellation.Cancel();
            }
        }, cancellation.Token));
    }

    // Every byte, not the writer's own trailing digest: a writer that digests the wrong bytes must not pass.
    private static void AssertSameBytes(string expectedPath, string actualPath)
    {
        var (expected, actual) = (File.ReadAllBytes(expectedPath), File.ReadAllBytes(actualPath));
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{actualPath} ({actual.Length} bytes) differs from {expectedPath} ({expected.Length} bytes) from byte {expected.AsSpan().CommonPrefixLength(actual)}");
    }

    private QuantizeRequest Request(string name, QuantizeOptions options) => new(TestData.ModelPath, null, TestData.CalibrationTextPath, Path.Combine(_folder, name), options);
}

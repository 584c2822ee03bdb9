using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using Qllm.Engine.Tests.Families;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization;

/// <summary>
/// A Hugging Face folder is quantized layer by layer, each layer's linears read from the file just
/// before it and freed after: the artifact must be byte for byte the one the whole model in memory
/// gives, resumed runs included.
/// </summary>
public sealed class StreamedQuantizationTests : IDisposable
{
    // A small untied LLaMA with a short context, so that calibration samples fit the test text.
    private const string Config = """
        {
          "architectures": ["LlamaForCausalLM"],
          "hidden_act": "silu",
          "hidden_size": 64,
          "intermediate_size": 128,
          "max_position_embeddings": 32,
          "model_type": "llama",
          "num_attention_heads": 4,
          "num_hidden_layers": 3,
          "num_key_value_heads": 2,
          "rms_norm_eps": 1e-05,
          "rope_theta": 10000.0,
          "tie_word_embeddings": false,
          "torch_dtype": "float32",
          "vocab_size": 32000
        }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-stream-").FullName;

    public static TheoryData<QuantizationMethod, RotationKind, WeightRounding> Recipes => new()
    {
        { QuantizationMethod.Rtn, RotationKind.None, WeightRounding.Nearest },
        { QuantizationMethod.Rtn, RotationKind.Hadamard, WeightRounding.Gptq },
        { QuantizationMethod.Qllm, RotationKind.Hadamard, WeightRounding.Gptq },
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void A_streamed_folder_quantizes_to_the_bytes_of_the_whole_model_in_memory(QuantizationMethod method, RotationKind rotation, WeightRounding rounding)
    {
        var model = Model();
        var options = Options(method, rotation, rounding);
        var streamed = QuantizationJob.Run(Request(model, "streamed.qllm", options), CPU, _ => { }, blocks: null, warn: null, streamLayers: true, CancellationToken.None);
        QuantizationJob.Run(Request(model, "whole.qllm", options), CPU, _ => { }, blocks: null, warn: null, streamLayers: false, CancellationToken.None);

        AssertSameBytes(Path.Combine(_folder, "whole.qllm"), streamed.Output!);
        Assert.Equal(3, streamed.Layers);
        Assert.Equal([0, 1, 2], streamed.Timings.Select(t => t.FirstLayer));
    }

    [Fact]
    public void A_streamed_run_cancelled_after_a_block_resumes_to_the_bytes_of_an_uninterrupted_run()
    {
        var model = Model();
        var options = Options(QuantizationMethod.Qllm, RotationKind.Hadamard, WeightRounding.Gptq);
        QuantizationJob.Run(Request(model, "uninterrupted.qllm", options), CPU, _ => { });

        var resumed = Request(model, "resumed.qllm", options);
        using (var cancellation = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => QuantizationJob.Run(resumed, CPU, line =>
            {
                if (line.StartsWith("block 0 (", StringComparison.Ordinal))
                {
                    cancellation.Cancel();
                }
            }, cancellation.Token));
        }

        var lines = new List<string>();
        QuantizationJob.Run(resumed, CPU, lines.Add);
        Assert.Contains(lines, line => line.StartsWith("resuming after block 0", StringComparison.Ordinal));
        AssertSameBytes(Path.Combine(_folder, "uninterrupted.qllm"), resumed.OutputPath);
    }

    [Theory]
    [InlineData(QuantizationMethod.Rtn, WeightRounding.Nearest)]
    [InlineData(QuantizationMethod.Qllm, WeightRounding.Gptq)]
    public void Stopping_after_some_layers_reports_them_and_writes_nothing(QuantizationMethod method, WeightRounding rounding)
    {
        var request = Request(Model(), "partial.qllm", Options(method, RotationKind.Hadamard, rounding)) with { StopAfterLayers = 2 };
        var lines = new List<string>();
        var summary = QuantizationJob.Run(request, CPU, lines.Add);

        Assert.Null(summary.Output);
        Assert.Equal(2, summary.Layers);
        Assert.Equal([0, 1], summary.Timings.Select(t => t.FirstLayer));
        Assert.All(summary.Timings, t => Assert.True(t.Seconds >= 0 && t.PeakMemoryBytes > 0));
        Assert.False(File.Exists(request.OutputPath));
        Assert.False(Directory.Exists(request.OutputPath + ".checkpoint"));
        Assert.Contains(lines, line => line.StartsWith("stopped after 2 of 3 layers", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // One layer per block, so that a resumed run restores a block and streams the ones after it.
    private static QuantizeOptions Options(QuantizationMethod method, RotationKind rotation, WeightRounding rounding) =>
        new(QuantizationSettings.Presets["W4A4"], method, Samples: 2, Epochs: 1, BlockLayers: 1, Rotation: rotation, WeightRounding: rounding);

    private string Model()
    {
        var folder = FamilyFolders.Write(Path.Combine(_folder, "model"), Config, seed: 5);
        File.Copy(TestData.TokenizerPath, Path.Combine(folder, "tokenizer.bin"), overwrite: true);
        return folder;
    }

    private QuantizeRequest Request(string model, string name, QuantizeOptions options) => new(model, null, TestData.CalibrationTextPath, Path.Combine(_folder, name), options);

    private static void AssertSameBytes(string expectedPath, string actualPath)
    {
        var (expected, actual) = (File.ReadAllBytes(expectedPath), File.ReadAllBytes(actualPath));
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{actualPath} ({actual.Length} bytes) differs from {expectedPath} ({expected.Length} bytes) from byte {expected.AsSpan().CommonPrefixLength(actual)}");
    }
}

using System.Text.Json;
using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.Loading.HuggingFace;
using static TorchSharp.torch;

namespace Qllm.Tool.Tests.Commands.Inspect;

/// <summary>
/// `qllm quantize` on a Qwen2-shaped folder (q/k/v biases) with Llama 3's rope scaling and a
/// sliding window, then `qllm inspect`: the new shape facts are shown and in the JSON, and the
/// biases are counted as their own tensor kind.
/// </summary>
public sealed class FamilyInspectTests
{
    [Fact]
    public async Task The_family_fields_are_shown_and_in_the_json()
    {
        using var folder = new TemporaryFolder();
        var config = new LlamaConfig(32, 64, 1, 2, 2, 32000, 128, 1e-6, 1e6, TiedEmbeddings: true, RopeLayout.HalfSplit)
        {
            RopeScaling = new RopeScaling(8, 1, 4, 64),
            AttentionBias = true,
            SlidingWindow = 128,
        };
        var model = folder.File("qwen2");
        WriteRandomModel(config, model);
        var artifact = folder.File("qwen2.qllm");

        var quantize = await QllmRun.InvokeAsync("quantize", model, "--tokenizer", TestData.TokenizerPath, "--calibration", TestData.CalibrationTextPath, "--output", artifact, "--preset", "W4A8", "--method", "rtn", "--rotation", "none", "--weight-rounding", "nearest", "--device", "cpu");
        Assert.True(quantize.ExitCode == 0, quantize.Error);

        var text = await QllmRun.InvokeAsync("inspect", artifact);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("rope scaling llama3 (factor 8, low/high frequency factors 1/4, original context 64), q/k/v biases, sliding window 128 (context capped at it)", text.Output, StringComparison.Ordinal);
        Assert.Matches(@"float32 biases +F32 +3 ", text.Output);

        var json = await QllmRun.InvokeAsync("inspect", artifact, "--json");
        Assert.Equal(0, json.ExitCode);
        using var document = JsonDocument.Parse(json.Output);
        var recorded = document.RootElement.GetProperty("config");
        Assert.True(recorded.GetProperty("attentionBias").GetBoolean());
        Assert.Equal(128, recorded.GetProperty("slidingWindow").GetInt32());
        Assert.Equal(8, recorded.GetProperty("ropeScaling").GetProperty("factor").GetDouble());
        Assert.Equal(64, recorded.GetProperty("ropeScaling").GetProperty("originalContext").GetInt32());
    }

    private static void WriteRandomModel(LlamaConfig config, string path)
    {
        var generator = new Generator(9);
        Tensor Random(params long[] shape) => randn(shape, generator: generator) * 0.1;
        var tensors = new Dictionary<string, Tensor>
        {
            [TensorNames.Embedding] = Random(config.VocabSize, config.Dim),
            [TensorNames.FinalNorm] = ones(config.Dim),
        };
        for (int layer = 0; layer < config.Layers; layer++)
        {
            tensors[TensorNames.AttentionNorm(layer)] = ones(config.Dim);
            tensors[TensorNames.FeedForwardNorm(layer)] = ones(config.Dim);
            foreach (var linear in TensorNames.LayerLinears)
            {
                tensors[TensorNames.Linear(layer, linear)] = linear switch
                {
                    "mlp.gate_proj" or "mlp.up_proj" => Random(config.HiddenDim, config.Dim),
                    "mlp.down_proj" => Random(config.Dim, config.HiddenDim),
                    _ => Random(config.Dim, config.Dim),
                };
            }

            foreach (var linear in TensorNames.BiasedLinears)
            {
                tensors[TensorNames.Bias(layer, linear)] = Random(config.Dim);
            }
        }

        using var checkpoint = new LlamaCheckpoint(config, tensors, path);
        HuggingFaceCheckpointWriter.Write(checkpoint, path);
    }
}

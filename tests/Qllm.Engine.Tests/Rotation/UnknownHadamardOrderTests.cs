using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.Loading.HuggingFace;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using Qllm.Core.Errors;
using Qllm.Runtime;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

/// <summary>
/// `--rotation hadamard` on a model none of whose widths has a known Hadamard order (dim 40, head 10,
/// hidden 100): every transform falls back to a seeded random orthogonal matrix, each with warning
/// QLLM3005, and the artifact still runs, in the engine and in the runtime alike.
/// </summary>
public sealed class UnknownHadamardOrderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-unknown-order-").FullName;

    [Fact]
    public void Every_transform_falls_back_with_a_warning_and_the_artifact_runs()
    {
        var model = WriteRandomModel(new LlamaConfig(40, 100, 1, 4, 4, 32000, 32, 1e-5, 10000, TiedEmbeddings: true, RopeLayout.HalfSplit));
        var output = Path.Combine(_folder, "odd.qllm");
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A8"], QuantizationMethod.Rtn, Samples: 2, Rotation: RotationKind.Hadamard, WeightRounding: WeightRounding.Gptq);
        var warnings = new List<QllmWarning>();
        QuantizationJob.Run(new QuantizeRequest(model, TestData.TokenizerPath, TestData.CalibrationTextPath, output, options), CPU, _ => { }, blocks: null, warnings.Add);

        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(ErrorCodes.RandomOrthogonalFallback, w.Code));
        Assert.All(warnings, w => Assert.Equal(model, w.File));
        Assert.Contains(warnings, w => w.Message.Contains("order 10", StringComparison.Ordinal) && w.Message.Contains("heads", StringComparison.Ordinal));

        using var engine = ModelLoader.Load(output, null, CPU);
        Assert.All(ModelRotation.Sites(engine.Model), site => Assert.Equal(OnlineTransformKind.RandomOrthogonal, site.Transform.Kind));
        using var runtime = QuantizedLanguageModel.Load(output);
        int[] tokens = [1, 450, 4799, 471, 263, 2217];
        using var noGrad = no_grad();
        using var input = tensor(tokens.Select(t => (long)t).ToArray()).unsqueeze(0);
        using var expected = engine.Model.forward(input);
        var actual = runtime.GetLogits(tokens);
        Assert.True(expected.isfinite().all().item<bool>());
        using var runtimeLogits = tensor(actual, [tokens.Length, 32000]);
        Assert.True(expected[0].argmax(-1).eq(runtimeLogits.argmax(-1)).all().item<bool>(), "the engine and the runtime predict different tokens");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteRandomModel(LlamaConfig config)
    {
        var generator = new TorchSharp.torch.Generator(5);
        Tensor Random(params long[] shape) => randn(shape, generator: generator) * 0.05;
        var tensors = new Dictionary<string, Tensor>
        {
            [TensorNames.Embedding] = Random(config.VocabSize, config.Dim),
            [TensorNames.FinalNorm] = ones(config.Dim),
        };
        for (int layer = 0; layer < config.Layers; layer++)
        {
            tensors[TensorNames.AttentionNorm(layer)] = ones(config.Dim) + Random(config.Dim);
            tensors[TensorNames.FeedForwardNorm(layer)] = ones(config.Dim) + Random(config.Dim);
            foreach (var linear in TensorNames.LayerLinears)
            {
                var (rows, columns) = linear switch
                {
                    "mlp.gate_proj" or "mlp.up_proj" => (config.HiddenDim, config.Dim),
                    "mlp.down_proj" => (config.Dim, config.HiddenDim),
                    _ => (config.Dim, config.Dim),
                };
                tensors[TensorNames.Linear(layer, linear)] = Random(rows, columns);
            }
        }

        var path = Path.Combine(_folder, "odd-model");
        using var checkpoint = new LlamaCheckpoint(config, tensors, path);
        HuggingFaceCheckpointWriter.Write(checkpoint, path);
        return path;
    }
}

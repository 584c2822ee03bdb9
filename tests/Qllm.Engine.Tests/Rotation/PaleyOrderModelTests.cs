using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using Qllm.Core.Errors;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

/// <summary>
/// `--rotation hadamard` on a model whose widths need the Paley bases beyond 12, as Qwen2.5's and
/// Mistral's do (896 = 28·32, 5632 = 44·128), in miniature: dim 56 = 28·2 and head 28 (construction
/// II, q = 13), hidden 176 = 44·4 (construction I, q = 43). No width falls back, the artifact
/// records Hadamard transforms with those factors, and the engine and the runtime agree on it.
/// </summary>
public sealed class PaleyOrderModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-paley-order-").FullName;

    [Fact]
    public void Every_transform_is_a_Hadamard_one_and_the_artifact_runs()
    {
        var model = RandomCheckpoint.Write(new LlamaConfig(56, 176, 1, 2, 2, 32000, 32, 1e-5, 10000, TiedEmbeddings: true, RopeLayout.HalfSplit), Path.Combine(_folder, "paley-model"));
        var output = Path.Combine(_folder, "paley.qllm");
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A8"], QuantizationMethod.Rtn, Samples: 2, Rotation: RotationKind.Hadamard, WeightRounding: WeightRounding.Gptq);
        var warnings = new List<QllmWarning>();
        QuantizationJob.Run(new QuantizeRequest(model, TestData.TokenizerPath, TestData.CalibrationTextPath, output, options), CPU, _ => { }, blocks: null, warnings.Add);

        Assert.Empty(warnings);
        using (var engine = ModelLoader.Load(output, null, CPU))
        {
            var sites = ModelRotation.Sites(engine.Model).ToDictionary(site => site.Name, site => site.Transform);
            // The loader reads the kind from the artifact's metadata: the artifact records Hadamard transforms.
            Assert.All(sites.Values, transform => Assert.Equal(OnlineTransformKind.Hadamard, transform.Kind));
            Assert.Equal((28L, 2), (sites[RotationSite.Residual].Factor.shape[0], sites[RotationSite.Residual].PowerOfTwo));
            Assert.Equal((28L, 1), (sites[RotationSite.Heads].Factor.shape[0], sites[RotationSite.Heads].PowerOfTwo));
            Assert.Equal((44L, 4), (sites[RotationSite.Down].Factor.shape[0], sites[RotationSite.Down].PowerOfTwo));
        }

        EngineRuntimeAgreement.AssertTopOne(output);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

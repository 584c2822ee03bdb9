using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using Qllm.Core.Errors;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

/// <summary>
/// `--rotation hadamard` on a model none of whose widths has a known Hadamard order (dim 30 = 15·2,
/// head 10, hidden 100 = 25·4, which only Paley over the prime power 49 would give): every transform
/// falls back to a seeded random orthogonal matrix, each with warning QLLM3005, and the artifact
/// still runs, in the engine and in the runtime alike.
/// </summary>
public sealed class UnknownHadamardOrderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-unknown-order-").FullName;

    [Fact]
    public void Every_transform_falls_back_with_a_warning_and_the_artifact_runs()
    {
        var model = RandomCheckpoint.Write(new LlamaConfig(30, 100, 1, 3, 3, 32000, 32, 1e-5, 10000, TiedEmbeddings: true, RopeLayout.HalfSplit), Path.Combine(_folder, "odd-model"));
        var output = Path.Combine(_folder, "odd.qllm");
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A8"], QuantizationMethod.Rtn, Samples: 2, Rotation: RotationKind.Hadamard, WeightRounding: WeightRounding.Gptq);
        var warnings = new List<QllmWarning>();
        QuantizationJob.Run(new QuantizeRequest(model, TestData.TokenizerPath, TestData.CalibrationTextPath, output, options), CPU, _ => { }, blocks: null, warnings.Add);

        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(ErrorCodes.RandomOrthogonalFallback, w.Code));
        Assert.All(warnings, w => Assert.Equal(model, w.File));
        Assert.Contains(warnings, w => w.Message.Contains("order 10", StringComparison.Ordinal) && w.Message.Contains("heads", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("order 100", StringComparison.Ordinal) && w.Message.Contains("25×25 factor", StringComparison.Ordinal) && w.Message.Contains("4-point", StringComparison.Ordinal));

        using (var engine = ModelLoader.Load(output, null, CPU))
        {
            Assert.All(ModelRotation.Sites(engine.Model), site => Assert.Equal(OnlineTransformKind.RandomOrthogonal, site.Transform.Kind));
        }

        EngineRuntimeAgreement.AssertTopOne(output);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

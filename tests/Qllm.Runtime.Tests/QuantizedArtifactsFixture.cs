using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using Qllm.Engine.Torch;
using static TorchSharp.torch;

namespace Qllm.Runtime.Tests;

/// <summary>
/// Real stories15M artifacts, quantized once per test run by the engine with small settings (2
/// calibration samples, 1 epoch): the runtime is tested on what the engine really writes.
/// </summary>
public sealed class QuantizedArtifactsFixture : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-runtime-").FullName;
    private readonly Dictionary<string, Lazy<string>> _artifacts;

    public QuantizedArtifactsFixture()
    {
        TorchRuntime.Initialize(DeviceRequest.Cpu);
        _artifacts = QuantizationSettings.Presets.Keys.Append(RotatedW4A4).ToDictionary(name => name, name => new Lazy<string>(() => Quantize(name)));
    }

    /// <summary>The name of a W4A4 artifact with every step: rotation, reassembly, correction and GPTQ.</summary>
    public const string RotatedW4A4 = "W4A4-hadamard-gptq";

    /// <summary>The path of the artifact of <paramref name="preset"/> (quantized on first use).</summary>
    public string Artifact(string preset) => _artifacts[preset].Value;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Quantize(string name)
    {
        var output = Path.Combine(_folder, $"{name}.qllm");
        var rotated = name == RotatedW4A4;
        var options = new QuantizeOptions(QuantizationSettings.Presets[rotated ? "W4A4" : name], QuantizationMethod.Qllm, Samples: 2, Epochs: 1)
            with { Rotation = rotated ? RotationKind.Hadamard : RotationKind.None, WeightRounding = rotated ? WeightRounding.Gptq : WeightRounding.Nearest };
        QuantizationJob.Run(new QuantizeRequest(TestData.ModelPath, null, TestData.CalibrationTextPath, output, options), CPU, _ => { });
        return output;
    }
}

using Qllm.Engine.Quantization;
using Qllm.Engine.Runtime;
using static TorchSharp.torch;

namespace Qllm.Runtime.Tests;

/// <summary>
/// Real stories15M artifacts, quantized once per test run by the engine with small settings (2
/// calibration samples, 1 epoch): the runtime is tested on what the engine really writes.
/// </summary>
public sealed class QuantizedArtifactsFixture : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("qllm-runtime-").FullName;
    private readonly Dictionary<string, Lazy<string>> artifacts;

    public QuantizedArtifactsFixture()
    {
        TorchRuntime.Initialize(DeviceRequest.Cpu);
        artifacts = QuantizationSettings.Presets.Keys.ToDictionary(preset => preset, preset => new Lazy<string>(() => Quantize(preset)));
    }

    /// <summary>The path of the artifact of <paramref name="preset"/> (quantized on first use).</summary>
    public string Artifact(string preset) => artifacts[preset].Value;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Quantize(string preset)
    {
        var output = Path.Combine(folder, $"{preset}.qllm");
        var options = new QuantizeOptions(QuantizationSettings.Presets[preset], QuantizationMethod.Qllm, Samples: 2, Epochs: 1);
        QuantizationJob.Run(new QuantizeRequest(TestData.ModelPath, null, TestData.CalibrationTextPath, output, options), CPU, _ => { });
        return output;
    }
}

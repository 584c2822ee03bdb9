using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using Qllm.Engine.Torch;
using static TorchSharp.torch;

namespace Qllm.Runtime.Tests;

/// <summary>
/// Real stories15M artifacts, quantized once per test run by the engine with small settings (2
/// calibration samples, 1 epoch): the runtime is tested on what the engine really writes.
/// A preset's name alone ("W4A4") is the paper's method with neither rotation nor GPTQ;
/// <see cref="Default"/> names the artifact of the preset's default recipe, what a build makes.
/// </summary>
public sealed class QuantizedArtifactsFixture : IDisposable
{
    /// <summary>The name of a W4A4 artifact with every step: rotation, reassembly, correction and GPTQ.</summary>
    public const string RotatedW4A4 = "W4A4-hadamard-gptq";

    private const string DefaultSuffix = "-default";

    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-runtime-").FullName;
    private readonly Dictionary<string, Lazy<string>> _artifacts;

    public QuantizedArtifactsFixture()
    {
        TorchRuntime.Initialize(DeviceRequest.Cpu);
        var presets = QuantizationSettings.Presets.Keys;
        _artifacts = presets.Append(RotatedW4A4).Concat(presets.Select(Default))
            .ToDictionary(name => name, name => new Lazy<string>(() => Quantize(name)));
    }

    /// <summary>The name of the artifact of <paramref name="preset"/>'s default recipe (<see cref="QuantizationRecipe.For"/>).</summary>
    public static string Default(string preset) => preset + DefaultSuffix;

    /// <summary>The path of the artifact named <paramref name="name"/> (quantized on first use).</summary>
    public string Artifact(string name) => _artifacts[name].Value;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Quantize(string name)
    {
        var output = Path.Combine(_folder, $"{name}.qllm");
        QuantizationJob.Run(new QuantizeRequest(TestData.ModelPath, null, TestData.CalibrationTextPath, output, Options(name)), CPU, _ => { });
        return output;
    }

    private static QuantizeOptions Options(string name)
    {
        if (name.EndsWith(DefaultSuffix, StringComparison.Ordinal))
        {
            // What `qllm quantize --preset X` and a build run, only with fewer samples and epochs.
            var settings = QuantizationSettings.Presets[name[..^DefaultSuffix.Length]];
            var recipe = QuantizationRecipe.For(settings);
            return new QuantizeOptions(settings, recipe.Method, Samples: 2, Epochs: 1, Rank: recipe.Rank, LearningRate: recipe.LearningRate, Rotation: recipe.Rotation, WeightRounding: recipe.WeightRounding, BatchSize: recipe.BatchSize);
        }

        var rotated = name == RotatedW4A4;
        return new QuantizeOptions(QuantizationSettings.Presets[rotated ? "W4A4" : name], QuantizationMethod.Qllm, Samples: 2, Epochs: 1)
            with { Rotation = rotated ? RotationKind.Hadamard : RotationKind.None, WeightRounding = rotated ? WeightRounding.Gptq : WeightRounding.Nearest };
    }
}

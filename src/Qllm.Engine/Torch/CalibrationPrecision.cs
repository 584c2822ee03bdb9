using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Torch;

/// <summary>
/// Chooses the type of the matrix products of calibration passes and training steps
/// (<see cref="Modeling.DecoderLayer.CalibrationProducts"/>). bfloat16 (with float32 sums, as
/// mixed-precision training has them) on a CPU with bfloat16 dot-product instructions, where
/// libtorch's oneDNN runs it at 3–5 times libtorch's float32 speed (its float32 products go through
/// MKL, which runs AVX2 code on AMD processors). float32 on a CPU without them, where bfloat16 is
/// emulated, and on CUDA, where it has not been measured yet.
/// </summary>
internal static class CalibrationPrecision
{
    private static readonly Lazy<bool> CpuHasBFloat16 = new(() => CpuFlags().Overlaps(["avx512_bf16", "amx_bf16"]));

    /// <summary>The product type for calibrating on <paramref name="device"/>.</summary>
    public static ScalarType ProductsOn(Device device) =>
        device.type == DeviceType.CPU && CpuHasBFloat16.Value ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>How a log line names <paramref name="type"/>.</summary>
    public static string Name(ScalarType type) => type == ScalarType.BFloat16 ? "bfloat16" : "float32";

    // Linux only, as the bundled libtorch is; another system reads no flags and calibrates in float32.
    private static HashSet<string> CpuFlags()
    {
        const string cpuInfo = "/proc/cpuinfo";
        try
        {
            var line = File.Exists(cpuInfo) ? File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) : null;
            return line is null ? [] : [.. line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}

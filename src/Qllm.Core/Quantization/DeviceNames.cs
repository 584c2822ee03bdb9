namespace Qllm.Core.Quantization;

/// <summary>The spellings of <c>--device</c> and the item's <c>Device</c>.</summary>
public static class DeviceNames
{
    /// <summary>CUDA when there is one, else the CPU.</summary>
    public const string Auto = "auto";

    /// <summary>The CPU.</summary>
    public const string Cpu = "cpu";

    /// <summary>CUDA; an error when there is none.</summary>
    public const string Cuda = "cuda";

    /// <summary>Every device.</summary>
    public static IReadOnlyList<string> All { get; } = [Auto, Cpu, Cuda];
}

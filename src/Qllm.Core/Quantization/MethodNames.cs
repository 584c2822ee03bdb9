namespace Qllm.Core.Quantization;

/// <summary>The spellings of <c>--method</c> and the item's <c>Method</c>: which QLLM steps run.</summary>
public static class MethodNames
{
    /// <summary>Channel reassembly and low-rank error correction: the full method.</summary>
    public const string Qllm = "qllm";

    /// <summary>Round-to-nearest, neither step.</summary>
    public const string Rtn = "rtn";

    /// <summary>Channel reassembly only.</summary>
    public const string ReassemblyOnly = "reassembly-only";

    /// <summary>Low-rank error correction only.</summary>
    public const string LowRankOnly = "lowrank-only";

    /// <summary>Every method.</summary>
    public static IReadOnlyList<string> All { get; } = [Qllm, Rtn, ReassemblyOnly, LowRankOnly];
}

namespace Qllm.Engine.Quantization;

/// <summary>Which QLLM steps run (`--method`).</summary>
public enum QuantizationMethod
{
    /// <summary>Adaptive channel reassembly and low-rank error correction: the full method.</summary>
    Qllm,

    /// <summary>Round-to-nearest: neither step, the baseline.</summary>
    Rtn,

    /// <summary>Channel reassembly only (ablation).</summary>
    ReassemblyOnly,

    /// <summary>Low-rank error correction only (ablation).</summary>
    LowRankOnly,
}

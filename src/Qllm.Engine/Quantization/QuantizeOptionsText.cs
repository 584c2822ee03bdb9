namespace Qllm.Engine.Quantization;

/// <summary>The command-line spelling of options, shared by the tool's output and the artifact's metadata.</summary>
public static class QuantizeOptionsText
{
    /// <summary>qllm, rtn, reassembly-only or lowrank-only.</summary>
    public static string Method(QuantizationMethod method) => method switch
    {
        QuantizationMethod.Rtn => "rtn",
        QuantizationMethod.ReassemblyOnly => "reassembly-only",
        QuantizationMethod.LowRankOnly => "lowrank-only",
        _ => "qllm",
    };
}

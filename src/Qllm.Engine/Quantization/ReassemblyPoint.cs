namespace Qllm.Engine.Quantization;

/// <summary>The three places in a decoder layer where QLLM reassembles channels.</summary>
public enum ReassemblyPoint
{
    /// <summary>The normed input of q/k/v.</summary>
    Qkv,

    /// <summary>The normed input of gate/up.</summary>
    GateUp,

    /// <summary>The input of down_proj.</summary>
    Down,
}

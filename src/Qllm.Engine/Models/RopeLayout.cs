namespace Qllm.Engine.Models;

/// <summary>How rotary position embeddings pair the dimensions of a head.</summary>
public enum RopeLayout
{
    /// <summary>Adjacent pairs (0,1), (2,3), ...: llama2.c and Meta's original LLaMA code.</summary>
    Interleaved,

    /// <summary>Half-split pairs (i, i + headDim/2): Hugging Face LLaMA.</summary>
    HalfSplit,
}

namespace Qllm.Runtime;

/// <summary>How a loaded model runs.</summary>
public sealed class RuntimeOptions
{
    /// <summary>Threads for the large matrix products of one forward pass (default: every core). 1 runs everything on the calling thread.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
}

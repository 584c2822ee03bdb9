using Qllm.Artifacts.Container;

namespace Qllm.Runtime;

/// <summary>How a loaded model runs.</summary>
public sealed class RuntimeOptions
{
    /// <summary>
    /// Threads for the large matrix products of one forward pass (default: every core). 1 runs
    /// everything on the calling thread. The model keeps <c>Threads − 1</c> background threads of its
    /// own, which spin for about a millisecond after each product (so the next one starts at once)
    /// and then sleep; disposing the model stops them.
    /// </summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Where loading a file remembers that it passed its SHA-256 check, so that loading it again
    /// unchanged (same length and write time) skips reading the whole file: seconds for a GB-sized
    /// artifact. Default: the current user's (<see cref="ArtifactVerificationMemo.ForCurrentUser"/>);
    /// null verifies every byte on every load.
    /// </summary>
    public ArtifactVerificationMemo? VerificationMemo { get; init; } = ArtifactVerificationMemo.ForCurrentUser();
}

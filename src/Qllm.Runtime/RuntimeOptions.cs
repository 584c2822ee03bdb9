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

    /// <summary>
    /// Whether the layers' 4-bit weights are always read in place from the artifact (default:
    /// false). On CPUs where the 256-bit kernels run (AVX2 without AVX-512), loading otherwise
    /// copies them once into blocks of four rows that a product reads as one stream, on huge pages
    /// where Linux gives them: at a billion parameters that decodes about 1.4× faster on one thread,
    /// and costs the copy at load (about 0.2 s per 500 MB). The copy takes the place of the mapped
    /// pages in this process's memory, but processes that share one artifact then each hold their
    /// own; true keeps the weights in the page cache, shared. The logits are the same either way.
    /// </summary>
    public bool WeightsInPlace { get; init; }
}

namespace Qllm.Runtime.Compute;

/// <summary>
/// Runs the large products on a fixed number of threads: with one thread everything runs inline on
/// the caller; with more, the work is cut into a few chunks per thread so that uneven chunks even out.
/// </summary>
internal sealed class Workers
{
    private readonly ParallelOptions options;

    public Workers(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        options = new ParallelOptions { MaxDegreeOfParallelism = threads };
    }

    public int Threads { get; }

    /// <summary>Calls <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) in chunks of at least <paramref name="minimumChunk"/>.</summary>
    public void For(int count, int minimumChunk, Action<int, int> body)
    {
        int chunks = Threads == 1 ? 1 : Math.Clamp(count / Math.Max(minimumChunk, 1), 1, Threads * 4);
        if (chunks == 1)
        {
            body(0, count);
            return;
        }

        Parallel.For(0, chunks, options, chunk => body((int)((long)count * chunk / chunks), (int)((long)count * (chunk + 1) / chunks)));
    }
}

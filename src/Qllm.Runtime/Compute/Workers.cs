namespace Qllm.Runtime.Compute;

/// <summary>
/// Runs the large products on a fixed number of threads: with one thread everything runs inline on
/// the caller; with more, work large enough to pay for the hand-off (about a quarter of a million
/// multiply-adds per chunk) is cut into a few chunks per thread so that uneven chunks even out.
/// Smaller work (a decode step's q/k/v for a small model) runs inline: waking a thread costs more.
/// </summary>
internal sealed class Workers
{
    private readonly ParallelOptions _options;

    public Workers(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _options = new ParallelOptions { MaxDegreeOfParallelism = threads };
    }

    public int Threads { get; }

    private const long MinimumChunkCost = 1 << 18;

    /// <summary>Calls <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) items of about <paramref name="itemCost"/> multiply-adds each.</summary>
    public void For(int count, long itemCost, Action<int, int> body)
    {
        int chunks = Threads == 1 ? 1 : (int)Math.Clamp(count * itemCost / MinimumChunkCost, 1, Threads * 4L);
        if (chunks == 1)
        {
            body(0, count);
            return;
        }

        Parallel.For(0, chunks, _options, chunk => body((int)((long)count * chunk / chunks), (int)((long)count * (chunk + 1) / chunks)));
    }
}

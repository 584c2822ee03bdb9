namespace Qllm.Runtime.Compute;

/// <summary>
/// Memory for the weights the runtime keeps a copy of (rows in <see cref="Kernels.InterleavedRows"/>
/// order): a few large pinned arrays, allocated up front and handed out in slices. On Linux the
/// arrays are backed by transparent huge pages (<see cref="HugePages"/>): a copy of a
/// billion-parameter model's weights otherwise takes one page fault per 4 KB, most of its load time
/// on a virtual machine, and a decode, which reads every weight once, would miss the TLB on every
/// page. The pages are allocated by a background thread, front to back in chunks, while the loader
/// fills the slices already allocated: zeroing them is as long as the copy at a billion parameters,
/// and the two then overlap.
/// </summary>
internal sealed class WeightArena
{
    // Slices start on a cache line; the arrays are at most 1 GiB each (well under Array.MaxLength).
    private const int Alignment = 64;
    private const long MostPerArray = 1L << 30;

    // Pages allocated per call: small enough that the loader soon has its first layer, large
    // enough that the calls cost nothing.
    private const long PopulateChunk = 16 * HugePages.Size;

    private readonly Queue<(byte[] Array, long Start)> _arrays = new();
    private readonly object _progress = new();
    private byte[] _array = [];
    private long _arrayStart;
    private int _used;

    // Bytes of the arrays, counted across them in order, whose pages are allocated.
    private long _populated;

    /// <summary>Allocates memory for slices of <paramref name="totalBytes"/> in all, as laid out by <see cref="Size"/>.</summary>
    public WeightArena(long totalBytes)
    {
        var arrays = new List<byte[]>();
        for (long left = totalBytes; left > 0; left -= MostPerArray)
        {
            var array = GC.AllocateUninitializedArray<byte>((int)Math.Min(left, MostPerArray), pinned: true);
            HugePages.Advise(array);
            _arrays.Enqueue((array, arrays.Sum(a => (long)a.Length)));
            arrays.Add(array);
        }

        // Its own thread: the madvise calls block for up to a few hundred milliseconds, and the
        // loader waits on them, which a busy thread pool would delay further.
        _ = Task.Factory.StartNew(() => Populate(arrays), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Bytes of all slices <paramref name="sizes"/> as the arena lays them out.</summary>
    public static long Size(IEnumerable<long> sizes) => sizes.Sum(Round);

    /// <summary>
    /// The next <paramref name="bytes"/> bytes, uninitialized (or a new array, should they not fit
    /// the ones sized up front), once their pages are allocated.
    /// </summary>
    public ArraySegment<byte> Take(int bytes)
    {
        int rounded = (int)Round(bytes);
        if (_array.Length - _used < rounded)
        {
            (_array, _arrayStart) = _arrays.TryDequeue(out var next) && next.Array.Length >= rounded ? next : (GC.AllocateUninitializedArray<byte>(rounded, pinned: true), -1);
            _used = 0;
        }

        var slice = new ArraySegment<byte>(_array, _used, bytes);
        _used += rounded;
        if (_arrayStart >= 0)
        {
            WaitUntilPopulated(_arrayStart + _used);
        }

        return slice;
    }

    private static long Round(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    private void Populate(List<byte[]> arrays)
    {
        long start = 0;
        try
        {
            foreach (var array in arrays)
            {
                var (from, to) = HugePages.Aligned(array);
                for (long chunk = from; chunk < to; chunk += PopulateChunk)
                {
                    HugePages.Populate(array, (chunk, Math.Min(chunk + PopulateChunk, to)));
                    Publish(start + Math.Min(chunk + PopulateChunk, to));
                }

                start += array.Length;
                Publish(start);
            }
        }
        finally
        {
            // Allocation is a hint: whatever happened, the loader must not wait for it any longer.
            Publish(long.MaxValue);
        }
    }

    private void Publish(long populated)
    {
        lock (_progress)
        {
            _populated = populated;
            Monitor.PulseAll(_progress);
        }
    }

    private void WaitUntilPopulated(long end)
    {
        lock (_progress)
        {
            while (_populated < end)
            {
                Monitor.Wait(_progress);
            }
        }
    }
}

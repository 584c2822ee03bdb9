namespace Qllm.Runtime.Compute;

/// <summary>
/// Memory for the weights the runtime keeps a copy of (rows in <see cref="Kernels.InterleavedRows"/>
/// order): a few large pinned arrays, allocated up front and handed out in slices. On Linux the
/// arrays are backed by transparent huge pages at once (<see cref="HugePages"/>): a copy of a
/// billion-parameter model's weights otherwise takes one page fault per 4 KB, most of its load time
/// on a virtual machine, and a decode, which reads every weight once, would miss the TLB on every
/// page.
/// </summary>
internal sealed class WeightArena
{
    // Slices start on a cache line; the arrays are at most 1 GiB each (well under Array.MaxLength).
    private const int Alignment = 64;
    private const long MostPerArray = 1L << 30;

    private readonly Queue<byte[]> _arrays = new();
    private byte[] _array = [];
    private int _used;

    /// <summary>Allocates memory for slices of <paramref name="totalBytes"/> in all, as laid out by <see cref="Size"/>.</summary>
    public WeightArena(long totalBytes)
    {
        for (long left = totalBytes; left > 0; left -= MostPerArray)
        {
            var array = GC.AllocateUninitializedArray<byte>((int)Math.Min(left, MostPerArray), pinned: true);
            HugePages.Allocate(array);
            _arrays.Enqueue(array);
        }
    }

    /// <summary>Bytes of all slices <paramref name="sizes"/> as the arena lays them out.</summary>
    public static long Size(IEnumerable<long> sizes) => sizes.Sum(Round);

    /// <summary>The next <paramref name="bytes"/> bytes, uninitialized (or a new array, should they not fit the ones sized up front).</summary>
    public ArraySegment<byte> Take(int bytes)
    {
        int rounded = (int)Round(bytes);
        if (_array.Length - _used < rounded)
        {
            _array = _arrays.TryDequeue(out var next) && next.Length >= rounded ? next : GC.AllocateUninitializedArray<byte>(rounded, pinned: true);
            _used = 0;
        }

        var slice = new ArraySegment<byte>(_array, _used, bytes);
        _used += rounded;
        return slice;
    }

    private static long Round(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;
}

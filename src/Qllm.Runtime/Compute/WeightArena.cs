using System.Runtime.InteropServices;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Memory for the weights the runtime keeps a copy of (rows in <see cref="Kernels.InterleavedRows"/>
/// order): a few large pinned arrays, handed out in slices. On Linux each array is advised to
/// transparent huge pages before it is written: a copy of a billion-parameter model's weights
/// otherwise takes one page fault per 4 KB (most of its load time on a virtual machine), and a
/// decode, which reads every weight once, misses the TLB on every page. Where the advice is not
/// available the arrays are ordinary memory.
/// </summary>
internal sealed class WeightArena
{
    // Slices start on a cache line; the arrays are at most 1 GiB each (well under Array.MaxLength).
    private const int Alignment = 64;
    private const long MostPerArray = 1L << 30;
    private const long HugePage = 2L << 20;

    private long _remaining;
    private byte[] _array = [];
    private int _used;

    /// <summary>An arena for slices of <paramref name="totalBytes"/> in all (each rounded up to <see cref="Alignment"/>).</summary>
    public WeightArena(long totalBytes) => _remaining = totalBytes;

    /// <summary>Bytes of all slices <paramref name="sizes"/> as the arena lays them out.</summary>
    public static long Size(IEnumerable<long> sizes) => sizes.Sum(Round);

    /// <summary>The next <paramref name="bytes"/> bytes, uninitialized.</summary>
    public ArraySegment<byte> Take(int bytes)
    {
        int rounded = (int)Round(bytes);
        if (_array.Length - _used < rounded)
        {
            long size = Math.Max(rounded, Math.Min(_remaining, MostPerArray));
            _array = GC.AllocateUninitializedArray<byte>((int)size, pinned: true);
            _used = 0;
            HugePages.Advise(_array);
        }

        var slice = new ArraySegment<byte>(_array, _used, bytes);
        _used += rounded;
        _remaining -= rounded;
        return slice;
    }

    private static long Round(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;
}

using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// Software prefetch of weights about to be read. A decode step reads each weight once, straight
/// from memory, and the four-row kernels read four rows side by side: four short streams (a row of
/// a 2048-wide 4-bit matrix is 16 cache lines) that the hardware prefetcher hardly follows before
/// they end, and it does not cross a 4 KB page. Asking for the lines a few KB ahead of the rows
/// being multiplied took a 1.1B-parameter decode from 20 to 36 tokens/s on one core (the runtime's
/// benchmark, docs/benchmarks.md).
/// </summary>
internal static class CachePrefetch
{
    /// <summary>How far past the next block of rows to ask: about one DRAM latency of multiply work, measured best of 1–32 KB.</summary>
    public const int Distance = 4096;

    private const int LineBytes = 64;

    /// <summary>
    /// Asks for the cache lines of <paramref name="bytes"/>[<paramref name="from"/>, from + <paramref name="length"/>),
    /// clipped to <paramref name="end"/> (the rows this call multiplies, so that no thread fetches
    /// another's). Nothing on a CPU without SSE prefetch; a prefetch never faults.
    /// </summary>
    public static unsafe void Lines(ReadOnlySpan<byte> bytes, int from, int length, int end)
    {
        int to = Math.Min(from + length, Math.Min(end, bytes.Length));
        if (!Sse.IsSupported || from >= to)
        {
            return;
        }

        fixed (byte* start = bytes)
        {
            for (int at = from; at < to; at += LineBytes)
            {
                Sse.Prefetch0(start + at);
            }
        }
    }
}

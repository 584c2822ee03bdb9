using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Qllm.Runtime.Benchmarks;

/// <summary>
/// The machine's streaming read bandwidth: the best of several passes that read a 1 GiB buffer
/// once, split over <c>threads</c> threads. Decode at a billion parameters reads every weight
/// once per token, so this is its ceiling; bench/billion.sh divides the bytes a decode step reads
/// by it. A sum of wide vectors into four accumulators keeps the loop bound by memory, not by
/// the adds (numpy's sum is not: it measured a third of this on the same machine).
/// </summary>
internal static class MemoryBandwidth
{
    private const long BufferBytes = 1L << 30;

    /// <summary>Bytes per second of the best of <paramref name="passes"/> full reads.</summary>
    public static double Measure(int threads, int passes = 7)
    {
        var buffer = GC.AllocateUninitializedArray<ulong>((int)(BufferBytes / sizeof(ulong)));
        // Touch every page (and give it distinct contents) before timing.
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (ulong)i;
        }

        double best = double.MaxValue;
        ulong sink = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            var clock = Stopwatch.StartNew();
            var sums = new ulong[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                int length = buffer.Length / threads;
                sums[t] = Sum(buffer.AsSpan(t * length, t == threads - 1 ? buffer.Length - (t * length) : length));
            });
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
            foreach (var s in sums)
            {
                sink += s;
            }
        }

        GC.KeepAlive(sink);
        return BufferBytes / best;
    }

    private static ulong Sum(ReadOnlySpan<ulong> values)
    {
        var vectors = MemoryMarshal.Cast<ulong, Vector<ulong>>(values);
        Vector<ulong> a = default, b = default, c = default, d = default;
        int i = 0;
        for (; i + 4 <= vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }

        for (; i < vectors.Length; i++)
        {
            a += vectors[i];
        }

        return Vector.Sum(a + b + c + d);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Benchmarks;

/// <summary>
/// One matrix-vector product per kernel path and matrix shape, the paths interleaved round by round
/// in one process (so a loaded machine slows them alike), on random codes: the 4-bit rows against
/// 8-bit activation codes (every linear of a W4A4 model), the 8-bit classifier rows against float
/// activations (c, row-major and interleaved), and one attention head (a: positions x head size, double accumulation). The
/// 4-bit rows run in the row-major layout and in the interleaved one (-il) that the runtime loads
/// them into on AVX2 machines; 65536x2048 (64 MB) is read from memory, not cache. Samples
/// are short and many: on a shared machine the fastest of them is the one least disturbed, so the
/// minimum is printed with the median, each with its ratio to the first path.
/// </summary>
internal static class KernelTimings
{
    private const int Rounds = 31;

    public static void Run(IReadOnlyList<string> shapes)
    {
        var random = new Random(1);
        foreach (var shape in shapes.Count > 0 ? shapes : ["768x288", "288x768", "5632x2048", "2048x5632", "65536x2048", "c32000x288", "c32000x2048", "a256x48", "a2048x64"])
        {
            char kind = char.IsLetter(shape[0]) ? shape[0] : 'w';
            var parts = shape.TrimStart(kind).Split('x');
            int rows = int.Parse(parts[0], CultureInfo.InvariantCulture), columns = int.Parse(parts[1], CultureInfo.InvariantCulture);
            var paths = kind switch
            {
                'c' => FloatPaths(random, rows, columns),
                'a' => AttentionPaths(random, rows, columns),
                _ => IntegerPaths(random, rows, columns),
            };
            long bytes = kind switch
            {
                'c' => (long)rows * columns,
                'a' => 2L * rows * columns * sizeof(float),
                _ => (long)rows * ((columns + 1) / 2),
            };
            int repeats = (int)Math.Max(1, 20_000_000 / bytes);
            var times = paths.ToDictionary(p => p.Name, _ => new List<double>());
            for (int round = 0; round < Rounds; round++)
            {
                foreach (var (name, product) in paths)
                {
                    product();
                    var clock = Stopwatch.StartNew();
                    for (int k = 0; k < repeats; k++)
                    {
                        product();
                    }

                    times[name].Add(clock.Elapsed.TotalMicroseconds / repeats);
                }
            }

            double firstMinimum = times[paths[0].Name].Min(), firstMedian = Median(times[paths[0].Name]);
            foreach (var (name, list) in times)
            {
                double minimum = list.Min(), median = Median(list);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{shape,-12} {name,-9} min {minimum,9:F2} us ({bytes / minimum / 1e3,5:F1} GB/s) x{firstMinimum / minimum:F2}   median {median,9:F2} us x{firstMedian / median:F2}   of {paths[0].Name}"));
            }
        }
    }

    private static List<(string Name, Action Product)> IntegerPaths(Random random, int rows, int columns)
    {
        int rowBytes = (columns + 1) / 2;
        var weights = new byte[rows * rowBytes];
        random.NextBytes(weights);
        var activation = new byte[columns];
        random.NextBytes(activation);
        var interleaved = new byte[weights.Length];
        InterleavedRows.Interleave(weights, rows, rowBytes, interleaved);
        var results = new int[4];

        // As QuantizedMatrix runs them: each block of four rows asks for the lines a little past the next.
        void Product(byte[] codes, Action<int> rows4)
        {
            for (int r = 0; r + 4 <= rows; r += 4)
            {
                CachePrefetch.Lines(codes, ((r + 4) * rowBytes) + CachePrefetch.Distance, 4 * rowBytes, rows * rowBytes);
                rows4(r);
            }
        }

        var paths = new List<(string, Action)>
        {
            ("avx2", () => Product(weights, r => IntegerDot.DotPacked4Rows4Avx2<Avx2Pairs>(activation, weights.AsSpan(r * rowBytes, 4 * rowBytes), rowBytes, results))),
            ("avx2-il", () => Product(interleaved, r => IntegerDot.DotPacked4Interleaved4Avx2<Avx2Pairs>(activation, interleaved.AsSpan(r * rowBytes, 4 * rowBytes), results))),
        };
        if (AvxVnni.IsSupported)
        {
            paths.Add(("avx-vnni", () => Product(weights, r => IntegerDot.DotPacked4Rows4Avx2<VnniPairs>(activation, weights.AsSpan(r * rowBytes, 4 * rowBytes), rowBytes, results))));
        }

        if (Avx512BW.IsSupported)
        {
            paths.Add(("avx512bw", () => Product(weights, r => IntegerDotAvx512.DotPacked4Rows4(activation, weights.AsSpan(r * rowBytes, 4 * rowBytes), rowBytes, results))));
        }

        return paths;
    }

    private static List<(string Name, Action Product)> FloatPaths(Random random, int rows, int columns)
    {
        var weights = new byte[rows * columns];
        random.NextBytes(weights);
        var activation = Enumerable.Range(0, columns).Select(_ => (float)random.NextDouble()).ToArray();
        float[] zeros = [128, 127, 129, 128];
        var results = new float[4];
        void Product(Action<int> rows4)
        {
            for (int r = 0; r + 4 <= rows; r += 4)
            {
                rows4(r);
            }
        }

        var interleaved = new byte[weights.Length];
        InterleavedRows.Interleave(weights, rows, columns, interleaved);
        var paths = new List<(string, Action)>
        {
            ("avx2", () => Product(r => FloatDot.DotBytesRows4Avx2(activation, weights.AsSpan(r * columns, 4 * columns), zeros, results))),
            ("avx2-il", () => Product(r => FloatDot.DotBytesInterleaved4(activation, interleaved.AsSpan(r * columns, 4 * columns), zeros, results))),
        };
        if (Avx512F.IsSupported)
        {
            paths.Add(("avx512f", () => Product(r => FloatDotAvx512.DotBytesRows4(activation, weights.AsSpan(r * columns, 4 * columns), zeros, results))));
        }

        return paths;
    }

    // One attention head: scores against `positions` cached keys of `headDim`, then the weighted sum of as many values.
    private static List<(string Name, Action Product)> AttentionPaths(Random random, int positions, int headDim)
    {
        var keys = Enumerable.Range(0, positions * headDim).Select(_ => (float)random.NextDouble()).ToArray();
        var query = keys.AsSpan(0, headDim).ToArray();
        var scores = new double[positions];
        var sums = new double[headDim];
        // width: 128, 256 or 512 bits.
        void Attend(int width)
        {
            for (int j = 0; j < positions; j++)
            {
                var key = keys.AsSpan(j * headDim, headDim);
                scores[j] = width switch
                {
                    512 => DoubleAccumulation.DotVector512(query, key),
                    256 => DoubleAccumulation.DotVector256(query, key),
                    _ => DoubleAccumulation.DotVector128(query, key),
                };
            }

            Array.Clear(sums);
            for (int j = 0; j < positions; j++)
            {
                var value = keys.AsSpan(j * headDim, headDim);
                switch (width)
                {
                    case 512:
                        DoubleAccumulation.AddScaledVector512(sums, scores[j], value);
                        break;
                    case 256:
                        DoubleAccumulation.AddScaledVector256(sums, scores[j], value);
                        break;
                    default:
                        DoubleAccumulation.AddScaledVector128(sums, scores[j], value);
                        break;
                }
            }
        }

        var paths = new List<(string, Action)> { ("vector128", () => Attend(128)) };
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            paths.Add(("vector256", () => Attend(256)));
        }

        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            paths.Add(("vector512", () => Attend(512)));
        }

        return paths;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}

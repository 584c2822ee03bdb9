using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Qllm.Runtime.Compute;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Benchmarks;

/// <summary>
/// What a rotated stories15M's online transforms cost per token, against the dense float64
/// products the same transforms would be without the Walsh–Hadamard factorisation:
/// residual 288 = 144 × 2 (twice per token: at the embedding and back before the final norm),
/// heads 48 = 12 × 4 (6 query + 6 key heads per layer), down 768 = 12 × 64 (once per layer); and a
/// 1B model's down 5632 = 44 × 128 (once per layer).
/// <code>dotnet bench/Qllm.Runtime.Benchmarks/bin/Release/net10.0/Qllm.Runtime.Benchmarks.dll transforms --job short --inProcess</code>
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Performance", "CA1515:Consider making public types internal", Justification = "BenchmarkDotNet runs public classes only.")]
[SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "BenchmarkDotNet runs instance methods.")]
public class OnlineTransformBenchmarks
{
    private const int Layers = 6;
    private const int HeadsPerLayer = 12;

    private readonly OnlineTransform _residual = Hadamard(144, 288);
    private readonly OnlineTransform _heads = Hadamard(12, 48);
    private readonly OnlineTransform _down = Hadamard(12, 768);
    private readonly double[] _dense288 = DenseMatrix(288);
    private readonly double[] _dense768 = DenseMatrix(768);
    private readonly float[] _row288 = Row(288);
    private readonly float[] _row768 = Row(768);
    private readonly float[] _headRows = Row(HeadsPerLayer * 48);
    private readonly OnlineTransform _down1B = Hadamard(44, 5632);
    private readonly float[] _row5632 = Row(5632);

    [Benchmark(Description = "residual 288 (144×2): Apply + ApplyTranspose")]
    public void Residual()
    {
        _residual.Apply(_row288);
        _residual.ApplyTranspose(_row288);
    }

    [Benchmark(Description = "dense 288×288 float64 matvec, twice")]
    public void ResidualDense()
    {
        Dense(_dense288, _row288);
        Dense(_dense288, _row288);
    }

    [Benchmark(Description = "heads 48 (12×4): 12 heads, one layer")]
    public void Heads()
    {
        for (int h = 0; h < HeadsPerLayer; h++)
        {
            _heads.Apply(_headRows.AsSpan(h * 48, 48));
        }
    }

    [Benchmark(Description = "down 768 (12×64): one layer")]
    public void Down() => _down.Apply(_row768);

    [Benchmark(Description = "dense 768×768 float64 matvec")]
    public void DownDense() => Dense(_dense768, _row768);

    [Benchmark(Description = "1B down 5632 (44×128): one layer")]
    public void Down1B() => _down1B.Apply(_row5632);

    [Benchmark(Description = "all transforms of one token (6 layers)")]
    public void Token()
    {
        _residual.Apply(_row288);
        for (int layer = 0; layer < Layers; layer++)
        {
            Heads();
            _down.Apply(_row768);
        }

        _residual.ApplyTranspose(_row288);
    }

    private static void Dense(double[] q, Span<float> row)
    {
        int n = row.Length;
        Span<double> sums = stackalloc double[n];
        for (int i = 0; i < n; i++)
        {
            DoubleVectors.AddScaled(sums, row[i], q.AsSpan(i * n, n));
        }

        for (int j = 0; j < n; j++)
        {
            row[j] = (float)sums[j];
        }
    }

    /// <summary>A Paley-like orthonormal factor stands in for the Hadamard one: the cost depends only on the shapes.</summary>
    private static OnlineTransform Hadamard(int order, int length)
    {
        var factor = new float[order * order];
        var block = Orthonormal(order);
        for (int i = 0; i < factor.Length; i++)
        {
            factor[i] = (float)block[i];
        }

        var random = new Random(length);
        var signs = Enumerable.Range(0, length).Select(_ => random.Next(2) == 0 ? 1f : -1f).ToArray();
        return new OnlineTransform(factor, order, signs, length, "rotation.bench", "benchmark");
    }

    private static double[] DenseMatrix(int order) => Orthonormal(order);

    /// <summary>An orthonormal matrix of any order (a rotation in each coordinate plane (2k, 2k+1)); no kernel skips zeros.</summary>
    private static double[] Orthonormal(int order)
    {
        var q = new double[order * order];
        for (int i = 0; i + 1 < order; i += 2)
        {
            double angle = 0.1 + i;
            q[(i * order) + i] = Math.Cos(angle);
            q[(i * order) + i + 1] = -Math.Sin(angle);
            q[((i + 1) * order) + i] = Math.Sin(angle);
            q[((i + 1) * order) + i + 1] = Math.Cos(angle);
        }

        if (order % 2 == 1)
        {
            q[^1] = 1;
        }

        return q;
    }

    private static float[] Row(int length) => [.. Enumerable.Range(0, length).Select(i => (float)Math.Sin(i))];
}

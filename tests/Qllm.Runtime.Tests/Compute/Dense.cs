namespace Qllm.Runtime.Tests.Compute;

/// <summary>
/// Orthogonal matrices and products by definition, in double: the reference the online transforms
/// are checked against (row-major [n, n] arrays).
/// </summary>
internal static class Dense
{
    /// <summary>S_1 = [1], S_2m = [[S, S], [S, −S]].</summary>
    public static double[] Sylvester(int order)
    {
        var h = new double[order * order];
        for (int i = 0; i < order; i++)
        {
            for (int j = 0; j < order; j++)
            {
                h[(i * order) + j] = int.PopCount(i & j) % 2 == 0 ? 1 : -1;
            }
        }

        return h;
    }

    /// <summary>Paley's order-12 Hadamard matrix (q = 11), scaled by 1/√12 to be orthonormal.</summary>
    public static double[] Paley12()
    {
        int[] residues = [1, 3, 4, 5, 9]; // the nonzero squares mod 11
        var h = new double[144];
        for (int i = 0; i < 12; i++)
        {
            for (int j = 0; j < 12; j++)
            {
                int s = (i, j) switch
                {
                    (0, 0) => 0,
                    (0, _) => 1,
                    (_, 0) => -1,
                    _ when i == j => 0,
                    _ => Array.IndexOf(residues, (((j - i) % 11) + 11) % 11) >= 0 ? 1 : -1,
                };
                h[(i * 12) + j] = (s + (i == j ? 1 : 0)) / Math.Sqrt(12);
            }
        }

        return h;
    }

    /// <summary>A random orthogonal matrix: Gram–Schmidt on Gaussian-ish rows.</summary>
    public static double[] RandomOrthogonal(int order, int seed)
    {
        var random = new Random(seed);
        var q = new double[order * order];
        for (int i = 0; i < order; i++)
        {
            var row = q.AsSpan(i * order, order);
            for (int j = 0; j < order; j++)
            {
                row[j] = random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5;
            }

            for (int pass = 0; pass < 2; pass++)
            {
                for (int k = 0; k < i; k++)
                {
                    var other = q.AsSpan(k * order, order);
                    double dot = 0;
                    for (int j = 0; j < order; j++)
                    {
                        dot += row[j] * other[j];
                    }

                    for (int j = 0; j < order; j++)
                    {
                        row[j] -= dot * other[j];
                    }
                }
            }

            double norm = 0;
            foreach (double v in row)
            {
                norm += v * v;
            }

            for (int j = 0; j < order; j++)
            {
                row[j] /= Math.Sqrt(norm);
            }
        }

        return q;
    }

    /// <summary>A ⊗ B.</summary>
    public static double[] Kronecker(double[] a, int m, double[] b, int n)
    {
        var k = new double[m * n * m * n];
        for (int i1 = 0; i1 < m; i1++)
        {
            for (int j1 = 0; j1 < m; j1++)
            {
                for (int i2 = 0; i2 < n; i2++)
                {
                    for (int j2 = 0; j2 < n; j2++)
                    {
                        k[((((i1 * n) + i2) * m * n) + (j1 * n)) + j2] = a[(i1 * m) + j1] * b[(i2 * n) + j2];
                    }
                }
            }
        }

        return k;
    }

    /// <summary>Q = diag(s)·(F ⊗ S_b/√b), the transform's definition.</summary>
    public static double[] Transform(double[] factor, int order, float[]? signs, int length)
    {
        int blocks = length / order;
        var sylvester = Sylvester(blocks).Select(v => v / Math.Sqrt(blocks)).ToArray();
        var q = Kronecker(factor, order, sylvester, blocks);
        for (int i = 0; signs is not null && i < length; i++)
        {
            for (int j = 0; j < length; j++)
            {
                q[(i * length) + j] *= signs[i];
            }
        }

        return q;
    }

    /// <summary>The row vector x·M.</summary>
    public static double[] Multiply(IReadOnlyList<double> x, double[] m, int n)
    {
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                y[j] += x[i] * m[(i * n) + j];
            }
        }

        return y;
    }

    /// <summary>Mᵀ.</summary>
    public static double[] Transpose(double[] m, int n)
    {
        var t = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                t[(j * n) + i] = m[(i * n) + j];
            }
        }

        return t;
    }
}

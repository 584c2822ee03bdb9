using static TorchSharp.torch;

namespace Qllm.Engine.Rotation;

/// <summary>Builds the <see cref="OrthogonalTransform"/>s a rotation uses.</summary>
internal static class OrthogonalTransforms
{
    /// <summary>
    /// The Hadamard transform of <paramref name="order"/> (H/√n, or diag(s)·H/√n with seeded random
    /// signs when <paramref name="randomSigns"/>), factored as F ⊗ S_b with F the base matrix (<see cref="HadamardMatrix"/>) scaled.
    /// Where no Hadamard order is known, a seeded random orthogonal factor times the Sylvester matrix
    /// of the largest power of two dividing the order: exact all the same, but with a denser factor
    /// online; <see cref="OrthogonalTransform.Kind"/> says which, so the caller can warn.
    /// </summary>
    public static OrthogonalTransform Create(int order, int seed, bool randomSigns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(order);
        if (!HadamardMatrix.TryFactor(order, out var a, out var powerOfTwo))
        {
            // A random orthogonal factor only where needed, times the largest power of two that
            // divides the order (11008 = 43·256: a 43×43 factor, not an 11008² matrix).
            int sylvester = order & -order;
            using var random = RandomOrthogonal(order / sylvester, seed);
            return new OrthogonalTransform(OnlineTransformKind.RandomOrthogonal, random, sylvester, signs: null);
        }

        using var factor = Normalized(HadamardMatrix.Base(a));
        return new OrthogonalTransform(OnlineTransformKind.Hadamard, factor, powerOfTwo, randomSigns ? Signs(order, seed) : null);
    }

    /// <summary>A ±1 Hadamard matrix of order a divided by √a (orthonormal), as a float64 [a, a] tensor.</summary>
    public static Tensor Normalized(sbyte[,] hadamard)
    {
        int order = hadamard.GetLength(0);
        var values = new double[order * order];
        var scale = 1.0 / Math.Sqrt(order);
        for (var i = 0; i < order; i++)
        {
            for (var j = 0; j < order; j++)
            {
                values[(i * order) + j] = hadamard[i, j] * scale;
            }
        }

        return tensor(values, [order, order], ScalarType.Float64);
    }

    /// <summary>±1 signs from <see cref="Random(int)"/>, whose seeded sequence .NET keeps stable.</summary>
    private static double[] Signs(int order, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, order).Select(_ => random.Next(2) == 0 ? 1.0 : -1.0)];
    }

    /// <summary>Q of the QR factorization of a seeded Gaussian matrix, its column signs fixed by R's diagonal so the seed alone decides it.</summary>
    private static Tensor RandomOrthogonal(int order, int seed)
    {
        var random = new Random(seed);
        var values = new double[order * order];
        for (var i = 0; i < values.Length; i++)
        {
            // Box–Muller: two uniforms in (0, 1] give one standard normal.
            double u = 1.0 - random.NextDouble(), v = random.NextDouble();
            values[i] = Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
        }

        using var scope = NewDisposeScope();
        var (q, r) = linalg.qr(tensor(values, [order, order], ScalarType.Float64));
        return (q * r.diagonal().sign().unsqueeze(0)).contiguous().MoveToOuterDisposeScope();
    }
}

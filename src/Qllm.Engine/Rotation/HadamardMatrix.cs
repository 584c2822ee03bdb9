using System.Diagnostics.CodeAnalysis;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Rotation;

/// <summary>
/// Hadamard matrices (entries ±1, H·Hᵀ = n·I) of the orders the rotation can fold into a model:
/// n = 2^k (Sylvester), 12·2^k and 144·2^k (Kronecker products of Paley's order 12 with a Sylvester
/// power of two), and their randomized orthogonal form diag(±1)·H/√n, as QuaRot uses.
/// </summary>
internal static class HadamardMatrix
{
    private const int PaleyOrder = 12;

    /// <summary>How many Paley order-12 factors an order may have; 12² already covers widths such as 288.</summary>
    private const int MaxPaleyFactors = 2;

    /// <summary>
    /// Builds the Hadamard matrix of order <paramref name="order"/>, or says that none of the known
    /// constructions gives that order (e.g. 7, or 20, which needs Paley's second construction).
    /// </summary>
    public static bool TryCreate(int order, [NotNullWhen(true)] out sbyte[,]? matrix)
    {
        matrix = null;
        if (!TryFactor(order, out var paleyFactors, out var powerOfTwo))
        {
            return false;
        }

        matrix = Sylvester(powerOfTwo);
        for (var i = 0; i < paleyFactors; i++)
        {
            matrix = Kronecker(PaleyMatrix.Order12(), matrix);
        }

        return true;
    }

    /// <summary>Whether <see cref="TryCreate"/> can build order <paramref name="order"/>.</summary>
    public static bool IsKnownOrder(int order) => TryFactor(order, out _, out _);

    /// <summary>
    /// The randomized orthogonal matrix Q = diag(s)·H/√n, s = ±1 drawn from <paramref name="seed"/>,
    /// as a float64 [n, n] CPU tensor: orthogonal like any scaled Hadamard matrix, while the random
    /// signs keep a fixed structure from aligning with the model's outlier channels. The signs come
    /// from <see cref="Random(int)"/>, whose seeded sequence .NET keeps stable, so that a recorded
    /// seed rebuilds the same rotation.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No known Hadamard order <paramref name="order"/>; check <see cref="IsKnownOrder"/> first.</exception>
    public static Tensor Randomized(int order, int seed)
    {
        if (!TryCreate(order, out var h))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "no known Hadamard matrix of this order (2^k, 12·2^k or 144·2^k)");
        }

        var random = new Random(seed);
        var scale = 1.0 / Math.Sqrt(order);
        var values = new double[order * order];
        for (var i = 0; i < order; i++)
        {
            var sign = random.Next(2) == 0 ? scale : -scale;
            for (var j = 0; j < order; j++)
            {
                values[(i * order) + j] = sign * h[i, j];
            }
        }

        return tensor(values, [order, order], ScalarType.Float64);
    }

    /// <summary>Writes <paramref name="order"/> as 12^paleyFactors · powerOfTwo, with the fewest Paley factors.</summary>
    private static bool TryFactor(int order, out int paleyFactors, out int powerOfTwo)
    {
        var rest = order;
        for (paleyFactors = 0; paleyFactors <= MaxPaleyFactors && rest > 0; paleyFactors++)
        {
            if ((rest & (rest - 1)) == 0)
            {
                powerOfTwo = rest;
                return true;
            }

            if (rest % PaleyOrder != 0)
            {
                break;
            }

            rest /= PaleyOrder;
        }

        paleyFactors = 0;
        powerOfTwo = 0;
        return false;
    }

    /// <summary>Sylvester's construction: H(1) = [1], H(2m) = [[H, H], [H, −H]].</summary>
    private static sbyte[,] Sylvester(int order)
    {
        var h = new sbyte[order, order];
        h[0, 0] = 1;
        for (var size = 1; size < order; size *= 2)
        {
            for (var i = 0; i < size; i++)
            {
                for (var j = 0; j < size; j++)
                {
                    var v = h[i, j];
                    h[i, j + size] = v;
                    h[i + size, j] = v;
                    h[i + size, j + size] = (sbyte)-v;
                }
            }
        }

        return h;
    }

    /// <summary>A ⊗ B: the Kronecker product of two Hadamard matrices is a Hadamard matrix of the product order.</summary>
    private static sbyte[,] Kronecker(sbyte[,] a, sbyte[,] b)
    {
        int m = a.GetLength(0), n = b.GetLength(0);
        var k = new sbyte[m * n, m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < m; j++)
            {
                for (var p = 0; p < n; p++)
                {
                    for (var q = 0; q < n; q++)
                    {
                        k[(i * n) + p, (j * n) + q] = (sbyte)(a[i, j] * b[p, q]);
                    }
                }
            }
        }

        return k;
    }
}

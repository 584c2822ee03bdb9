using System.Diagnostics.CodeAnalysis;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Rotation;

/// <summary>
/// Hadamard matrices (entries ±1, H·Hᵀ = n·I) of the orders the rotation can fold into a model:
/// n = 2^k (Sylvester), 12·2^k and 144·2^k (Kronecker products of Paley's order 12 with a Sylvester
/// power of two). <see cref="OrthogonalTransforms"/> turns them into the orthogonal transforms a rotation applies.
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

    /// <summary>Writes <paramref name="order"/> as 12^paleyFactors · powerOfTwo, with the fewest Paley factors.</summary>
    internal static bool TryFactor(int order, out int paleyFactors, out int powerOfTwo)
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
    internal static sbyte[,] Sylvester(int order)
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

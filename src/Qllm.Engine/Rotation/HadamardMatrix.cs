using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Rotation;

/// <summary>
/// Hadamard matrices (entries ±1, H·Hᵀ = n·I) of the orders the rotation can fold into a model:
/// n = a·2^k, H = A ⊗ S, S the Sylvester matrix of 2^k and A a base matrix of order a. The base is
/// 1, 12 or 144 = 12 ⊗ 12 where that writes n (the orders known first, whose matrices stay as they
/// were, so a model quantizes to the same artifact as before), and otherwise the smallest
/// a = (n's odd part)·2^i that a Paley construction gives (<see cref="PaleyMatrix"/>): 896 = 28·32,
/// 4864 = 76·64, 5632 = 44·128, 14336 = 28·512. <see cref="OrthogonalTransforms"/> turns them into
/// the orthogonal transforms a rotation applies.
/// </summary>
internal static class HadamardMatrix
{
    private const int PaleyOrder = 12;

    /// <summary>How many Paley order-12 factors an order may have; 12² already covers widths such as 288.</summary>
    private const int MaxPaleyFactors = 2;

    /// <summary>
    /// The largest Paley base. A dense base of order a costs a multiply-adds per element online and
    /// a² floats in the artifact, and a Paley base is at least 4 times the odd part m that the
    /// random orthogonal fallback's factor has: bounded, so that 11008 = 43·256 (LLaMA-7B) takes a
    /// 43 × 43 random factor, not the 5504 × 5504 Paley base of q = 5503.
    /// </summary>
    private const int MaxBaseOrder = 256;

    /// <summary>
    /// Builds the Hadamard matrix of order <paramref name="order"/>, or says that none of the known
    /// constructions gives that order (e.g. 7, 92 = 4·23, or 11008 = 256·43).
    /// </summary>
    public static bool TryCreate(int order, [NotNullWhen(true)] out sbyte[,]? matrix)
    {
        matrix = null;
        if (!TryFactor(order, out var baseOrder, out var powerOfTwo))
        {
            return false;
        }

        matrix = Kronecker(Base(baseOrder), Sylvester(powerOfTwo));
        return true;
    }

    /// <summary>Whether <see cref="TryCreate"/> can build order <paramref name="order"/>.</summary>
    public static bool IsKnownOrder(int order) => TryFactor(order, out _, out _);

    /// <summary>Writes <paramref name="order"/> as baseOrder · powerOfTwo, the base one that <see cref="Base"/> builds.</summary>
    internal static bool TryFactor(int order, out int baseOrder, out int powerOfTwo)
    {
        baseOrder = 0;
        powerOfTwo = 0;
        if (order < 1)
        {
            return false;
        }

        var rest = order;
        var twelves = 1;
        for (var paleyFactors = 0; paleyFactors <= MaxPaleyFactors; paleyFactors++)
        {
            if (BitOperations.IsPow2(rest))
            {
                (baseOrder, powerOfTwo) = (twelves, rest);
                return true;
            }

            if (rest % PaleyOrder != 0)
            {
                break;
            }

            rest /= PaleyOrder;
            twelves *= PaleyOrder;
        }

        for (var a = order >> BitOperations.TrailingZeroCount(order); a <= Math.Min(order, MaxBaseOrder); a *= 2)
        {
            if (PaleyMatrix.IsOrder(a))
            {
                (baseOrder, powerOfTwo) = (a, order / a);
                return true;
            }
        }

        return false;
    }

    /// <summary>The base matrix of an order <see cref="TryFactor"/> gave: [1], 12 ⊗ 12, or a Paley matrix (12 among them).</summary>
    internal static sbyte[,] Base(int baseOrder) => baseOrder switch
    {
        1 => new sbyte[,] { { 1 } },
        PaleyOrder * PaleyOrder => Kronecker(PaleyMatrix.Order12(), PaleyMatrix.Order12()),
        _ when PaleyMatrix.TryCreate(baseOrder, out var paley) => paley,
        _ => throw new ArgumentException($"no base Hadamard matrix of order {baseOrder}", nameof(baseOrder)),
    };

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

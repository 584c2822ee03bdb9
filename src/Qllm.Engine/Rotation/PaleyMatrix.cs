using System.Diagnostics.CodeAnalysis;

namespace Qllm.Engine.Rotation;

/// <summary>
/// Paley's two constructions of a Hadamard matrix from the quadratic character χ of a prime q:
/// I gives order q + 1 for q ≡ 3 (mod 4), II gives order 2(q + 1) for q ≡ 1 (mod 4). Times a
/// Sylvester power of two they cover the model widths that are not powers of two
/// (<see cref="HadamardMatrix"/>): 12 (I, q = 11), 20 (I, 19), 28 (II, 13), 36 (II, 17),
/// 44 (I, 43), 60 (I, 59), 76 (II, 37), 108 (I, 107), 140 (I, 139), 148 (II, 73), …
/// Primes only: a prime power q would need GF(q) arithmetic, and no width in use needs one.
/// </summary>
internal static class PaleyMatrix
{
    /// <summary>Whether <see cref="TryCreate"/> builds order <paramref name="order"/>.</summary>
    public static bool IsOrder(int order) => FirstPrime(order) > 0 || SecondPrime(order) > 0;

    /// <summary>
    /// Builds the Paley Hadamard matrix of order <paramref name="order"/>, by construction I where
    /// both apply (12 = 11 + 1 = 2·(5 + 1)): order 12 stays the matrix it has always been, so a
    /// model quantizes to the same artifact as before.
    /// </summary>
    public static bool TryCreate(int order, [NotNullWhen(true)] out sbyte[,]? matrix)
    {
        var q = FirstPrime(order);
        if (q > 0)
        {
            matrix = First(q);
            return true;
        }

        q = SecondPrime(order);
        matrix = q > 0 ? Second(q) : null;
        return matrix is not null;
    }

    /// <summary>Paley's order 12 (construction I, q = 11).</summary>
    public static sbyte[,] Order12() => First(11);

    /// <summary>q = order − 1 where construction I gives <paramref name="order"/>, else 0.</summary>
    private static int FirstPrime(int order) => order > 3 && (order - 1) % 4 == 3 && IsPrime(order - 1) ? order - 1 : 0;

    /// <summary>q = order/2 − 1 where construction II gives <paramref name="order"/>, else 0.</summary>
    private static int SecondPrime(int order) => order > 3 && order % 2 == 0 && ((order / 2) - 1) % 4 == 1 && IsPrime((order / 2) - 1) ? (order / 2) - 1 : 0;

    /// <summary>H = I + S, S = [[0, 1ᵀ], [−1, J]] with J[i, j] = χ(j − i), skew-symmetric since q ≡ 3 (mod 4).</summary>
    private static sbyte[,] First(int q)
    {
        var chi = Character(q);
        var n = q + 1;
        var h = new sbyte[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                int s = (i, j) switch
                {
                    (0, 0) => 0,
                    (0, _) => 1,
                    (_, 0) => -1,
                    _ => chi[(j - i + q) % q],
                };
                h[i, j] = (sbyte)(s + (i == j ? 1 : 0));
            }
        }

        return h;
    }

    /// <summary>
    /// H = C ⊗ [[1, 1], [1, −1]] + I ⊗ [[1, −1], [−1, −1]], C = [[0, 1ᵀ], [1, J]] the symmetric
    /// conference matrix of q ≡ 1 (mod 4): C's zero diagonal takes the second block, its ±1 entries the first.
    /// </summary>
    private static sbyte[,] Second(int q)
    {
        var chi = Character(q);
        var m = q + 1;
        var h = new sbyte[2 * m, 2 * m];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < m; j++)
            {
                int c = (i, j) switch
                {
                    (0, 0) => 0,
                    (0, _) or (_, 0) => 1,
                    _ => chi[(j - i + q) % q],
                };
                for (var p = 0; p < 2; p++)
                {
                    for (var r = 0; r < 2; r++)
                    {
                        var sign = p == 1 && r == 1 ? -1 : 1;
                        h[(2 * i) + p, (2 * j) + r] = (sbyte)(c != 0 ? c * sign : (p == 0 && r == 0 ? 1 : -1));
                    }
                }
            }
        }

        return h;
    }

    /// <summary>χ(a) for a in [0, q): the Legendre symbol, +1 on nonzero squares, −1 on non-squares, 0 at 0.</summary>
    private static int[] Character(int q)
    {
        var chi = new int[q];
        Array.Fill(chi, -1);
        chi[0] = 0;
        for (long x = 1; x < q; x++)
        {
            chi[x * x % q] = 1;
        }

        return chi;
    }

    private static bool IsPrime(int q)
    {
        if (q < 2)
        {
            return false;
        }

        for (var d = 2; d * d <= q; d++)
        {
            if (q % d == 0)
            {
                return false;
            }
        }

        return true;
    }
}

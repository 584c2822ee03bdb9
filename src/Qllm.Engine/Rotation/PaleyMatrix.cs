namespace Qllm.Engine.Rotation;

/// <summary>
/// Paley's first construction of a Hadamard matrix of order q + 1 for a prime q ≡ 3 (mod 4). Only
/// q = 11 is needed: together with Sylvester's powers of two, order 12 covers the LLaMA widths that
/// are not powers of two (stories15M: 288 = 12·12·2, 768 = 12·64, head 48 = 12·4).
/// </summary>
internal static class PaleyMatrix
{
    /// <summary>The prime of the construction; q ≡ 3 (mod 4) makes the Jacobsthal matrix skew-symmetric.</summary>
    private const int Q = 11;

    /// <summary>The order-12 Hadamard matrix H = I + S, S = [[0, 1ᵀ], [−1, J]], J the Jacobsthal matrix of q = 11.</summary>
    public static sbyte[,] Order12()
    {
        var residues = new bool[Q];
        for (var x = 1; x < Q; x++)
        {
            residues[x * x % Q] = true;
        }

        // χ(a): the Legendre symbol, +1 on nonzero quadratic residues, −1 on non-residues, 0 at 0.
        int Chi(int a)
        {
            var r = ((a % Q) + Q) % Q;
            return r == 0 ? 0 : residues[r] ? 1 : -1;
        }

        const int n = Q + 1;
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
                    _ => Chi(j - i),
                };
                h[i, j] = (sbyte)(s + (i == j ? 1 : 0));
            }
        }

        return h;
    }
}

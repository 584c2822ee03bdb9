using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using Qllm.Artifacts.Container;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Compute;

/// <summary>
/// An online orthogonal transform of a rotated model (docs/artifact-format.md, "Rotation"):
/// x ↦ x·Q with Q = diag(s)·(F ⊗ S_b/√b), F an orthonormal [a, a] factor, S_b the Sylvester
/// Hadamard matrix of order b = n / a (a power of two) and s the signs. The Sylvester part is a
/// fast Walsh–Hadamard transform, so a transform costs n·(a + log₂b) operations, not n².
/// Computed in double and rounded once to float, as the engine's dense float64 product is: the two
/// sum in different orders, so their doubles differ by a few ulps, and the floats only where that
/// crosses a float rounding boundary (rare: the engine and the runtime agree on the logits).
/// </summary>
internal sealed class OnlineTransform
{
    private const double Tolerance = 1e-4;

    /// <summary>Up to this many doubles of scratch go on the stack (32 KB).</summary>
    private const int StackDoubles = 4096;

    /// <summary>Above this order the a³ Gram check would take seconds at load; random probes check instead.</summary>
    private const int ExactCheckOrder = 1024;

    /// <summary>F/√b, row-major [a, a]: the Walsh–Hadamard normalisation folded into the factor.</summary>
    private readonly double[] _factor;

    /// <summary>Fᵀ/√b, for <see cref="ApplyTranspose"/>'s product.</summary>
    private readonly double[] _transposedFactor;
    private readonly double[]? _signs;
    private readonly int _order;
    private readonly int _blocks;

    /// <summary>Doubles from one row of the working buffer to the next: b, padded where rows would alias in the cache.</summary>
    private readonly int _stride;

    /// <param name="factor">F, row-major [<paramref name="order"/>, <paramref name="order"/>].</param>
    /// <param name="order">a, the factor's order; it divides <paramref name="length"/>.</param>
    /// <param name="signs">s, <paramref name="length"/> values of ±1, or null for all +1.</param>
    /// <param name="length">n, the length of the rows transformed.</param>
    /// <param name="name">The tensors' prefix (<c>rotation.SITE</c>), for the error.</param>
    /// <param name="source">The artifact, for the error.</param>
    public OnlineTransform(float[] factor, int order, float[]? signs, int length, string name, string source)
    {
        if (order < 1 || factor.Length != (long)order * order || length % order != 0 || !BitOperations.IsPow2(length / order))
        {
            throw ArtifactErrors.Bad(source, $"'{name}.factor' is {factor.Length} values of order {order}; an online transform of order {length} needs a square factor whose order divides {length} by a power of two");
        }

        if (Array.Exists(factor, v => !float.IsFinite(v)))
        {
            throw ArtifactErrors.Bad(source, $"'{name}.factor' holds a non-finite value");
        }

        if (signs is not null && (signs.Length != length || Array.Exists(signs, v => v is not (1f or -1f))))
        {
            throw ArtifactErrors.Bad(source, $"'{name}.signs' must be {length} values of +1 or -1");
        }

        var exact = Array.ConvertAll(factor, v => (double)v);
        if (!IsOrthonormal(exact, order))
        {
            throw ArtifactErrors.Bad(source, $"'{name}.factor' is not orthonormal (F·Fᵀ differs from the identity by more than {Tolerance})");
        }

        _order = order;
        _blocks = length / order;
        double normalisation = 1.0 / Math.Sqrt(_blocks);
        _factor = Array.ConvertAll(exact, v => v * normalisation);
        _transposedFactor = new double[_factor.Length];
        for (int i = 0; i < order; i++)
        {
            for (int j = 0; j < order; j++)
            {
                _transposedFactor[(j * order) + i] = _factor[(i * order) + j];
            }
        }

        _signs = signs is null ? null : Array.ConvertAll(signs, v => (double)v);
        Length = length;

        // Rows of a power-of-two length 512 bytes or more apart fall into a few sets of the L1
        // cache, which the product's column blocks (a line or two of each of the a rows) then
        // overflow: a 1B model's [44, 128] transform took about twice as long so. A cache line of
        // padding spreads them.
        _stride = _blocks >= 64 && order > 8 ? _blocks + 8 : _blocks;
    }

    /// <summary>n, the length of the rows transformed.</summary>
    public int Length { get; }

    /// <summary>Bytes held in memory.</summary>
    public long Bytes => ((2L * _factor.Length) + (_signs?.Length ?? 0)) * 8;

    /// <summary>
    /// row ← row·Q, in place. The row is viewed as X [a, b] (element i = i1·b + i2): each row of X
    /// times its signs, in double, then its Walsh–Hadamard transform, then Y[:, i2] = (F/√b)ᵀ·X[:, i2]
    /// for every column, rounded once to float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(Span<float> row)
    {
        CheckLength(row);
        int workLength = _order * _stride;
        double[]? rented = null;
        Span<double> work = workLength <= StackDoubles ? stackalloc double[workLength] : (rented = ArrayPool<double>.Shared.Rent(workLength)).AsSpan(0, workLength);
        if (_stride == _blocks)
        {
            // Unpadded rows are contiguous: widened and transformed together, as one span.
            DoubleVectors.Widen(row, _signs, work);
            WalshHadamard.Transform(work, _blocks);
        }
        else
        {
            for (int i1 = 0; i1 < _order; i1++)
            {
                var values = work.Slice(i1 * _stride, _blocks);
                DoubleVectors.Widen(row.Slice(i1 * _blocks, _blocks), _signs is null ? default : _signs.AsSpan(i1 * _blocks, _blocks), values);
                WalshHadamard.Transform(values, _blocks);
            }
        }

        DoubleProduct.MixColumns(work, _stride, _factor, _order, _blocks, row);
        Return(rented);
    }

    /// <summary>row ← row·Qᵀ, in place: the inverse of <see cref="Apply"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ApplyTranspose(Span<float> row)
    {
        CheckLength(row);
        double[]? rented = null;
        Span<double> scratch = 2 * Length <= StackDoubles ? stackalloc double[2 * Length] : (rented = ArrayPool<double>.Shared.Rent(2 * Length)).AsSpan(0, 2 * Length);
        Span<double> x = scratch[..Length], y = scratch[Length..];
        DoubleVectors.Widen(row, default, x);

        // Y = (F/√b)·X, then the transform of each row, then the signs, rounding once.
        DoubleProduct.MixColumns(x, _blocks, _transposedFactor, _order, _blocks, y);
        WalshHadamard.Transform(y, _blocks);

        for (int i = 0; i < Length; i++)
        {
            row[i] = (float)(_signs is null ? y[i] : y[i] * _signs[i]);
        }

        Return(rented);
    }

    private static void Return(double[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    private void CheckLength(Span<float> row)
    {
        if (row.Length != Length)
        {
            throw new ArgumentException($"a row of {row.Length} values for a transform of order {Length}", nameof(row));
        }
    }

    private static bool IsOrthonormal(double[] f, int order)
    {
        if (order <= ExactCheckOrder)
        {
            for (int i = 0; i < order; i++)
            {
                var rowI = f.AsSpan(i * order, order);
                for (int j = i; j < order; j++)
                {
                    double gram = DoubleVectors.Dot(rowI, f.AsSpan(j * order, order));
                    if (!(Math.Abs(gram - (i == j ? 1.0 : 0.0)) <= Tolerance))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        // F·Fᵀ = I + E: a random ±1 probe v makes (F·Fᵀ·v − v)[i] = Σ_j E[i, j]·v[j], of the size of
        // ‖E[i, :]‖ whatever E is, so a few probes find any E that the exact check would.
        var random = new Random(order);
        var probe = new double[order];
        var image = new double[order];
        var back = new double[order];
        for (int attempt = 0; attempt < 4; attempt++)
        {
            for (int i = 0; i < order; i++)
            {
                probe[i] = random.Next(2) == 0 ? 1.0 : -1.0;
            }

            Array.Clear(image);
            for (int i = 0; i < order; i++)
            {
                DoubleVectors.AddScaled(image, probe[i], f.AsSpan(i * order, order));
            }

            for (int i = 0; i < order; i++)
            {
                back[i] = DoubleVectors.Dot(f.AsSpan(i * order, order), image);
                if (!(Math.Abs(back[i] - probe[i]) <= Tolerance * Math.Sqrt(order)))
                {
                    return false;
                }
            }
        }

        return true;
    }
}

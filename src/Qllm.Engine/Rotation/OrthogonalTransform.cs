using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Rotation;

/// <summary>
/// An orthogonal Q = diag(s)·(F ⊗ S_b/√b) of order n = a·b, in the factored form the artifact stores
/// and the runtime applies fast (docs/artifact-format.md, "Rotation"): s = ±1 signs (or none), F an
/// orthonormal dense [a, a] factor, S_b the Sylvester Hadamard matrix of the power of two b. The
/// engine applies it factored too, never as the dense [n, n] matrix: each Kronecker factor is a
/// small product along its own axis of the row seen as an [a, b1, b2, …] array (S_b = S_b1 ⊗ S_b2 ⊗ …
/// with each b_i at most <see cref="MostWalshHadamardFactor"/>). At a 1B model's down projection
/// (5632 = 44·128) that is 110 multiply-adds a value instead of 5632, and 254 MB of float64 matrix
/// that is never held. In float64, rounded once, it computes what the runtime's fast transform
/// computes up to double rounding.
/// </summary>
public sealed class OrthogonalTransform : IDisposable
{
    /// <summary>The largest Sylvester factor applied as one product: S_b is split into factors up to this order.</summary>
    public const int MostWalshHadamardFactor = 64;

    private readonly ConcurrentDictionary<(string Device, ScalarType Type), Factors> _onDevice = new();

    /// <summary>Creates the transform; <paramref name="factor"/> is [a, a] and orthonormal, and is kept rounded to float32.</summary>
    /// <exception cref="ArgumentException">The factor is not square and orthonormal, <paramref name="powerOfTwo"/> is not a power of two, or the signs are not n values of ±1.</exception>
    public OrthogonalTransform(OnlineTransformKind kind, Tensor factor, int powerOfTwo, double[]? signs)
    {
        ArgumentNullException.ThrowIfNull(factor);
        if (factor.shape is not [var rows, var columns] || rows != columns || rows < 1)
        {
            throw new ArgumentException($"the factor must be square, not [{string.Join(", ", factor.shape)}]", nameof(factor));
        }

        if (powerOfTwo < 1 || (powerOfTwo & (powerOfTwo - 1)) != 0)
        {
            throw new ArgumentException($"the Walsh–Hadamard order {powerOfTwo} is not a power of two", nameof(powerOfTwo));
        }

        Kind = kind;
        PowerOfTwo = powerOfTwo;
        Order = (int)rows * powerOfTwo;
        if (signs is not null && (signs.Length != Order || Array.Exists(signs, s => s is not (1.0 or -1.0))))
        {
            throw new ArgumentException($"the signs must be {Order} values of +1 or -1", nameof(signs));
        }

        Signs = signs;

        // Rounded to float32 here, as the artifact stores it: the model that quantizes, the engine
        // that loads the artifact and the runtime then all use the very same factor. Owned by this
        // object, not by whatever dispose scope the caller has open.
        using (var scope = NewDisposeScope())
        {
            Factor = factor.detach().to(ScalarType.Float32, CPU).to(ScalarType.Float64).clone().DetachFromDisposeScope();
        }

        using var gram = Factor.matmul(Factor.t());
        using var identity = eye(rows, dtype: ScalarType.Float64);
        using var deviation = (gram - identity).abs().max();
        if (deviation.item<double>() > 1e-4)
        {
            Dispose();
            throw new ArgumentException($"the factor is not orthonormal (max |F·Fᵀ − I| = {deviation.item<double>():G3})", nameof(factor));
        }
    }

    /// <summary>How it was built.</summary>
    public OnlineTransformKind Kind { get; }

    /// <summary>n.</summary>
    public int Order { get; }

    /// <summary>The dense orthonormal factor F [a, a] (float64, CPU).</summary>
    public Tensor Factor { get; }

    /// <summary>b, the power-of-two Walsh–Hadamard factor (1 when F is the whole matrix).</summary>
    public int PowerOfTwo { get; }

    /// <summary>The ±1 signs s, or null for none.</summary>
    public double[]? Signs { get; }

    /// <summary>Q as a dense float64 [n, n] CPU tensor, built on demand (its rows are the identity's, transformed); the caller owns it.</summary>
    public Tensor ToDense()
    {
        using var identity = eye(Order, dtype: ScalarType.Float64);
        return Apply(identity);
    }

    /// <summary>x·Q over the last dimension, in float64, rounded once to x's dtype.</summary>
    public Tensor Apply(Tensor x) => Multiply(x, transpose: false, ScalarType.Float64);

    /// <summary>
    /// x·Q over the last dimension in <paramref name="type"/> (float32 or bfloat16), rounded to x's
    /// dtype: for calibration passes and training steps, where the product's last bits do not matter
    /// and the runtime never reproduces the values, so the double product is not worth its cost.
    /// </summary>
    public Tensor ApplyIn(Tensor x, ScalarType type) => Multiply(x, transpose: false, type);

    /// <summary>x·Qᵀ over the last dimension, in float64, rounded once to x's dtype.</summary>
    public Tensor ApplyTranspose(Tensor x) => Multiply(x, transpose: true, ScalarType.Float64);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var factors in _onDevice.Values)
        {
            factors.Dispose();
        }

        Factor.Dispose();
    }

    // x·Q = ((x∘s)·(F ⊗ S_b1 ⊗ …)) and x·Qᵀ = (x·(Fᵀ ⊗ S_b1 ⊗ …))∘s, the Sylvester factors being
    // symmetric. A factor M of order m with P values before it and R after it in the row's index
    // contracts the middle axis of the row seen as [P, m, R]: Mᵀ·X for each of the P blocks, or
    // X·M for the last factor (R = 1), one product over all the rows.
    private Tensor Multiply(Tensor x, bool transpose, ScalarType type)
    {
        ArgumentNullException.ThrowIfNull(x);
        var factors = _onDevice.GetOrAdd((x.device.ToString(), type), _ => new Factors(this, type, x.device));
        using var scope = NewDisposeScope();
        var rows = x.to(type).reshape(-1, Order);
        if (factors.Signs is { } signs && !transpose)
        {
            rows = rows * signs;
        }

        long before = 1;
        foreach (var (forward, backward) in factors.Matrices)
        {
            var (right, left) = transpose ? (backward, forward) : (forward, backward);
            long m = right.shape[0], after = Order / (before * m);
            rows = after == 1
                ? rows.reshape(-1, m).matmul(right)
                : left.matmul(rows.reshape(-1, m, after));
            before *= m;
        }

        rows = rows.reshape(x.shape);
        if (factors.Signs is { } undo && transpose)
        {
            rows = rows * undo;
        }

        return rows.to(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The Kronecker factors on one device in one type: F (unless a = 1) and S_b split into
    /// Sylvester factors of at most <see cref="MostWalshHadamardFactor"/>, each with its transpose,
    /// and the signs as a tensor.
    /// </summary>
    private sealed class Factors : IDisposable
    {
        public Factors(OrthogonalTransform transform, ScalarType type, Device device)
        {
            using var scope = NewDisposeScope();
            var matrices = new List<(Tensor, Tensor)>();
            if (transform.Factor.shape[0] > 1)
            {
                matrices.Add((transform.Factor, transform.Factor.t()));
            }

            foreach (var order in SylvesterOrders(transform.PowerOfTwo))
            {
                var sylvester = OrthogonalTransforms.Normalized(HadamardMatrix.Sylvester(order));
                matrices.Add((sylvester, sylvester));
            }

            Matrices = [.. matrices.Select(pair => (Place(pair.Item1, type, device), Place(pair.Item2, type, device)))];
            Signs = transform.Signs is { } signs ? tensor(signs, ScalarType.Float64).to(type, device).DetachFromDisposeScope() : null;
        }

        /// <summary>Each factor M and its transpose Mᵀ, in the order of the row's index.</summary>
        public IReadOnlyList<(Tensor Forward, Tensor Backward)> Matrices { get; }

        /// <summary>The signs s, or null.</summary>
        public Tensor? Signs { get; }

        public void Dispose()
        {
            foreach (var (forward, backward) in Matrices)
            {
                forward.Dispose();
                backward.Dispose();
            }

            Signs?.Dispose();
        }

        private static Tensor Place(Tensor matrix, ScalarType type, Device device) => matrix.contiguous().to(type, device).DetachFromDisposeScope();

        // b as a product of powers of two up to MostWalshHadamardFactor, the smallest first, so
        // that the last factor, the one product over all the rows, is the widest (128 = 2·64).
        private static IEnumerable<int> SylvesterOrders(int powerOfTwo)
        {
            int widest = MostWalshHadamardFactor, first = powerOfTwo;
            while (first > widest)
            {
                first /= widest;
            }

            if (first > 1)
            {
                yield return first;
            }

            for (int left = powerOfTwo / first; left > 1; left /= widest)
            {
                yield return widest;
            }
        }
    }
}

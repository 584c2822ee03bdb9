using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Rotation;

/// <summary>
/// An orthogonal Q = diag(s)·(F ⊗ S_b/√b) of order n = a·b, in the factored form the artifact stores
/// and the runtime applies fast (docs/artifact-format.md, "Rotation"): s = ±1 signs (or none), F an
/// orthonormal dense [a, a] factor, S_b the Sylvester Hadamard matrix of the power of two b, applied
/// with a fast Walsh–Hadamard transform. The engine multiplies by the dense Q in float64 and rounds
/// once, which is what the runtime's fast transform computes up to double rounding.
/// </summary>
public sealed class OrthogonalTransform : IDisposable
{
    private readonly ConcurrentDictionary<(string Device, bool Transpose, ScalarType Type), Tensor> _onDevice = new();

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
            Matrix = BuildMatrix().DetachFromDisposeScope();
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

    /// <summary>Q as a dense float64 [n, n] CPU tensor.</summary>
    public Tensor Matrix { get; }

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
        foreach (var tensor in _onDevice.Values)
        {
            tensor.Dispose();
        }

        Factor.Dispose();
        Matrix.Dispose();
    }

    private Tensor Multiply(Tensor x, bool transpose, ScalarType type)
    {
        ArgumentNullException.ThrowIfNull(x);
        var q = _onDevice.GetOrAdd((x.device.ToString(), transpose, type), key =>
        {
            using var scope = NewDisposeScope();
            var matrix = transpose ? Matrix.t() : Matrix.alias();
            return matrix.contiguous().to(type).to(x.device).DetachFromDisposeScope();
        });

        using var scope = NewDisposeScope();
        return x.to(type).matmul(q).to(x.dtype).MoveToOuterDisposeScope();
    }

    private Tensor BuildMatrix()
    {
        using var scope = NewDisposeScope();
        var sylvester = HadamardMatrix.Sylvester(PowerOfTwo);
        var values = new double[PowerOfTwo * PowerOfTwo];
        var scale = 1.0 / Math.Sqrt(PowerOfTwo);
        for (var i = 0; i < PowerOfTwo; i++)
        {
            for (var j = 0; j < PowerOfTwo; j++)
            {
                values[(i * PowerOfTwo) + j] = sylvester[i, j] * scale;
            }
        }

        // F ⊗ S: entry (i1·b + i2, j1·b + j2) = F[i1, j1]·S[i2, j2].
        int a = (int)Factor.shape[0], b = PowerOfTwo;
        var s = tensor(values, [b, b], ScalarType.Float64);
        var q = (Factor.view(a, 1, a, 1) * s.view(1, b, 1, b)).reshape(a * b, a * b);
        if (Signs is not null)
        {
            q = tensor(Signs, ScalarType.Float64).unsqueeze(1) * q;
        }

        return q.contiguous().MoveToOuterDisposeScope();
    }
}

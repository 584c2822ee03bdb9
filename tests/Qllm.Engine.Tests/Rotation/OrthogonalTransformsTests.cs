using Qllm.Engine.Rotation;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

public sealed class OrthogonalTransformsTests
{
    /// <summary>Sylvester, Paley 12 and 12 ⊗ 12 as before; Paley I (20, 44) and II (28, 36, 76) bases; 896 = 28·32.</summary>
    public static TheoryData<int> KnownOrders => [1, 2, 12, 48, 288, 768, 20, 28, 36, 44, 76, 152, 896];

    [Theory]
    [MemberData(nameof(KnownOrders))]
    public void Hadamard_transforms_are_orthogonal_with_and_without_signs(int order)
    {
        foreach (var signs in new[] { false, true })
        {
            using var transform = OrthogonalTransforms.Create(order, seed: 7, randomSigns: signs);
            Assert.Equal(OnlineTransformKind.Hadamard, transform.Kind);
            Assert.Equal(order, transform.Order);
            Assert.Equal(signs, transform.Signs is not null);
            using var q = transform.ToDense();
            AssertOrthogonal(q);
        }
    }

    [Theory]
    [MemberData(nameof(KnownOrders))]
    public void The_factored_form_is_the_known_Hadamard_matrix_scaled(int order)
    {
        using var scope = NewDisposeScope();
        using var transform = OrthogonalTransforms.Create(order, seed: 0, randomSigns: false);
        Assert.True(HadamardMatrix.TryCreate(order, out var h));
        var expected = tensor(h.Cast<sbyte>().Select(v => v / Math.Sqrt(order)).ToArray(), [order, order], ScalarType.Float64);
        // The factor is kept rounded to float32, as the artifact stores it.
        Assert.True(transform.ToDense().allclose(expected, rtol: 0, atol: 1e-7));
        Assert.Equal(0, (order / transform.PowerOfTwo) % 1);
        Assert.True((transform.PowerOfTwo & (transform.PowerOfTwo - 1)) == 0);
    }

    // Float32: the double product to float precision. bfloat16: inputs rounded to 8 significant
    // bits and float32 sums, a relative error of a few 2^-9.
    [Theory]
    [InlineData(ScalarType.Float32, 1e-9, 1e-6)]
    [InlineData(ScalarType.BFloat16, 1e-4, 1e-2)]
    public void A_calibration_product_is_the_double_product_to_its_types_precision(ScalarType type, double leastError, double mostError)
    {
        using var scope = NewDisposeScope();
        using var transform = OrthogonalTransforms.Create(768, seed: 3, randomSigns: true);
        var x = randn([2, 5, 768], generator: new Generator(11));
        var inDouble = transform.Apply(x);
        var narrow = transform.ApplyIn(x, type);
        Assert.Equal(ScalarType.Float32, narrow.dtype);
        // Above the least error: really a different product.
        Assert.InRange(((narrow - inDouble).norm() / inDouble.norm()).item<float>(), leastError, mostError);
    }

    [Fact]
    public void Seeds_only_flip_the_rows_and_decide_them_alone()
    {
        using var scope = NewDisposeScope();
        using var a = OrthogonalTransforms.Create(288, seed: 1, randomSigns: true);
        using var again = OrthogonalTransforms.Create(288, seed: 1, randomSigns: true);
        using var other = OrthogonalTransforms.Create(288, seed: 2, randomSigns: true);
        using var plain = OrthogonalTransforms.Create(288, seed: 1, randomSigns: false);
        Assert.True(a.ToDense().eq(again.ToDense()).all().item<bool>());
        Assert.False(a.ToDense().eq(other.ToDense()).all().item<bool>());
        Assert.True(a.ToDense().abs().eq(plain.ToDense().abs()).all().item<bool>());
    }

    [Theory]
    [InlineData(7, 1)]
    [InlineData(10, 2)]
    [InlineData(92, 4)]
    [InlineData(100, 4)]
    [InlineData(688, 16)] // 43·16, like LLaMA-7B's hidden size 11008 = 43·256: a 43×43 random factor.
    public void Unknown_orders_fall_back_to_a_seeded_random_orthogonal_factor(int order, int powerOfTwo)
    {
        using var transform = OrthogonalTransforms.Create(order, seed: 5, randomSigns: true);
        using var again = OrthogonalTransforms.Create(order, seed: 5, randomSigns: true);
        Assert.Equal(OnlineTransformKind.RandomOrthogonal, transform.Kind);
        Assert.Equal(powerOfTwo, transform.PowerOfTwo);
        Assert.Equal(order / powerOfTwo, transform.Factor.shape[0]);
        Assert.Null(transform.Signs);
        using var scope = NewDisposeScope();
        AssertOrthogonal(transform.ToDense());
        Assert.True(transform.ToDense().eq(again.ToDense()).all().item<bool>());
    }

    [Fact]
    public void Apply_then_its_transpose_gives_back_the_input_rounded_once()
    {
        using var scope = NewDisposeScope();
        using var transform = OrthogonalTransforms.Create(48, seed: 3, randomSigns: true);
        var x = randn([2, 5, 48], generator: new Generator(11));
        var rotated = transform.Apply(x);
        Assert.Equal(ScalarType.Float32, rotated.dtype);
        AssertRoundedOnce(x.to(ScalarType.Float64).matmul(transform.ToDense()), rotated);
        AssertRoundedOnce(x.to(ScalarType.Float64).matmul(transform.ToDense().t()), transform.ApplyTranspose(x));
        Assert.True(transform.ApplyTranspose(rotated).allclose(x, rtol: 0, atol: 1e-5));
    }

    /// <summary>Sylvester orders above the widest factor are applied as several factors: 128 = 2·64, 2048 = 32·64, 8192 = 2·64·64; beside a base factor of 44 too.</summary>
    [Theory]
    [InlineData(128)]
    [InlineData(2048)]
    [InlineData(8192)]
    [InlineData(5632)]
    public void Split_Walsh_Hadamard_factors_are_the_dense_product_rounded_once(int order)
    {
        using var scope = NewDisposeScope();
        using var transform = OrthogonalTransforms.Create(order, seed: 5, randomSigns: true);
        var x = randn([3, order], generator: new Generator(13));
        var dense = transform.ToDense();
        AssertRoundedOnce(x.to(ScalarType.Float64).matmul(dense), transform.Apply(x));
        AssertRoundedOnce(x.to(ScalarType.Float64).matmul(dense.t()), transform.ApplyTranspose(x));
    }

    [Fact]
    public void Bad_factors_and_signs_are_refused()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new OrthogonalTransform(OnlineTransformKind.Hadamard, ones(3, 3, dtype: ScalarType.Float64), 2, null));
        Assert.Throws<ArgumentException>(() => new OrthogonalTransform(OnlineTransformKind.Hadamard, eye(3, dtype: ScalarType.Float64), 3, null));
        Assert.Throws<ArgumentException>(() => new OrthogonalTransform(OnlineTransformKind.Hadamard, ones(2, 3, dtype: ScalarType.Float64), 1, null));
        Assert.Throws<ArgumentException>(() => new OrthogonalTransform(OnlineTransformKind.Hadamard, eye(3, dtype: ScalarType.Float64), 2, [1, 1, 1, 1, 1, 0.5]));
    }

    // The factored product sums in another order than the dense one, so a value at a float32
    // rounding boundary may round the other way: at most one float32 step apart, and rarely.
    private static void AssertRoundedOnce(Tensor exact, Tensor rounded)
    {
        using var scope = NewDisposeScope();
        var step = exact.abs().to(ScalarType.Float32).to(ScalarType.Float64) * Math.Pow(2, -23);
        Assert.True((rounded.to(ScalarType.Float64) - exact).abs().le(step).all().item<bool>());
        Assert.True(rounded.eq(exact.to(ScalarType.Float32)).to(ScalarType.Float64).mean().item<double>() > 0.99);
    }

    private static void AssertOrthogonal(Tensor q)
    {
        using var scope = NewDisposeScope();
        long n = q.shape[0];
        var deviation = (q.matmul(q.t()) - eye(n, dtype: ScalarType.Float64)).abs().max().item<double>();
        // Orthogonal up to the float32 rounding of the stored factor.
        Assert.True(deviation < 1e-6, $"max |Q·Qᵀ − I| = {deviation}");
    }
}

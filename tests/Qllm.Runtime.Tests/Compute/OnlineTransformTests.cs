using Qllm.Core.Errors;
using Qllm.Runtime.Compute;

namespace Qllm.Runtime.Tests.Compute;

[Trait("Category", Kernels.KernelPaths.Category)]
public sealed class OnlineTransformTests
{
    private const string Source = "rotated.qllm";

    /// <summary>Factor kinds: Paley 12 (and 12 ⊗ 12 = 144), a random orthogonal (the engine's fallback), and [1].</summary>
    public static TheoryData<string, int, int, bool> Shapes => new()
    {
        { "paley", 12, 4, true },      // stories15M's head, 48
        { "paley", 12, 64, true },     // its hidden width, 768
        { "paley2", 144, 2, true },    // its dim, 288
        { "random", 44, 128, false },  // a 1B model's hidden width, 5632 (rows padded in the working buffer)
        { "random", 12, 64, true },    // padded, with signs
        { "paley", 12, 1, false },
        { "random", 7, 1, true },      // dense fallback, b = 1
        { "random", 5, 16, false },
        { "random", 48, 1, true },
        { "one", 1, 64, true },        // a plain randomized Hadamard transform
        { "one", 1, 1, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Apply_is_the_product_with_the_defined_matrix_rounded_once(string kind, int order, int blocks, bool withSigns)
    {
        var (factor, signs, length) = Parts(kind, order, blocks, withSigns);
        var transform = new OnlineTransform(ToFloats(factor), order, signs, length, "rotation.test", Source);
        var q = Dense.Transform(factor.Select(v => (double)(float)v).ToArray(), order, signs, length);

        AssertRoundedOnce(q, length, transform.Apply, seed: order * blocks);
        AssertRoundedOnce(Dense.Transpose(q, length), length, transform.ApplyTranspose, seed: (order * blocks) + 1);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ApplyTranspose_undoes_Apply(string kind, int order, int blocks, bool withSigns)
    {
        var (factor, signs, length) = Parts(kind, order, blocks, withSigns);
        var transform = new OnlineTransform(ToFloats(factor), order, signs, length, "rotation.test", Source);
        var random = new Random(length);
        var x = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();

        var y = (float[])x.Clone();
        transform.Apply(y);
        transform.ApplyTranspose(y);

        Assert.All(Enumerable.Range(0, length), i => Assert.Equal(x[i], y[i], 1e-5f));
    }

    [Fact]
    public void Bytes_count_the_factor_its_transpose_and_the_signs()
    {
        var transform = new OnlineTransform(ToFloats(Dense.Paley12()), 12, Signs(48, 1), 48, "rotation.heads", Source);
        Assert.Equal(((2 * 144) + 48) * 8, transform.Bytes);
    }

    public static TheoryData<string, float[], int, float[]?, int> BadParts => new()
    {
        { "factor", ToFloats(Dense.Paley12().Select(v => v * 1.01).ToArray()), 12, null, 48 },
        { "factor", ToFloats(Dense.Paley12().Select((v, i) => i == 13 ? double.NaN : v).ToArray()), 12, null, 48 },
        { "factor", ToFloats(Dense.Paley12().Select((v, i) => i == 13 ? -v : v).ToArray()), 12, null, 48 },
        { "factor", ToFloats(Dense.Paley12()), 12, null, 36 },   // 36 / 12 = 3 is no power of two
        { "factor", ToFloats(Dense.Paley12()), 12, null, 40 },   // 12 does not divide 40
        { "factor", ToFloats(Dense.Paley12()), 11, null, 44 },   // 144 values are no 11 × 11 matrix
        { "signs", ToFloats(Dense.Paley12()), 12, Signs(48, 2).Select((v, i) => i == 5 ? 0.5f : v).ToArray(), 48 },
        { "signs", ToFloats(Dense.Paley12()), 12, Signs(47, 2), 48 },
    };

    [Theory]
    [MemberData(nameof(BadParts))]
    public void Bad_tensors_are_a_bad_artifact_naming_the_file_and_the_tensor(string tensor, float[] factor, int order, float[]? signs, int length)
    {
        var error = Assert.Throws<QllmException>(() => new OnlineTransform(factor, order, signs, length, "rotation.heads", Source));
        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
        Assert.Equal(Source, error.File);
        Assert.Contains($"rotation.heads.{tensor}", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_factor_is_checked_too()
    {
        // Order 1536 = 12·128 takes the random-probe check instead of the a³ Gram product.
        const int order = 1536;
        var sylvester = Dense.Sylvester(128).Select(v => v / Math.Sqrt(128)).ToArray();
        var factor = ToFloats(Dense.Kronecker(Dense.Paley12(), 12, sylvester, 128));
        var transform = new OnlineTransform(factor, order, null, order * 2, "rotation.down", Source);
        var x = Enumerable.Range(0, order * 2).Select(i => (float)Math.Sin(i)).ToArray();
        var y = (float[])x.Clone();
        transform.Apply(y);
        transform.ApplyTranspose(y);
        Assert.All(Enumerable.Range(0, x.Length), i => Assert.Equal(x[i], y[i], 1e-5f));

        factor[(700 * order) + 3] += 0.01f;
        var error = Assert.Throws<QllmException>(() => new OnlineTransform(factor, order, null, order * 2, "rotation.down", Source));
        Assert.Contains("rotation.down.factor", error.Problem, StringComparison.Ordinal);
    }

    internal static float[] Signs(int length, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => random.Next(2) == 0 ? 1f : -1f)];
    }

    private static (double[] Factor, float[]? Signs, int Length) Parts(string kind, int order, int blocks, bool withSigns)
    {
        var factor = kind switch
        {
            "paley" => Dense.Paley12(),
            "paley2" => Dense.Kronecker(Dense.Paley12(), 12, Dense.Paley12(), 12),
            "random" => Dense.RandomOrthogonal(order, order),
            _ => [1.0],
        };
        int length = order * blocks;
        return (factor, withSigns ? Signs(length, length) : null, length);
    }

    private static float[] ToFloats(double[] values) => [.. values.Select(v => (float)v)];

    /// <summary>
    /// Each output is within a float's last bit of the exact product, and nearly all are its correct
    /// rounding: a float computation of a 144-term product would miss that by far.
    /// </summary>
    private static void AssertRoundedOnce(double[] m, int length, SpanAction transform, int seed)
    {
        var random = new Random(seed);
        int exact = 0, total = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            var x = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();
            var expected = Dense.Multiply(x.Select(v => (double)v).ToArray(), m, length);
            var actual = (float[])x.Clone();
            transform(actual);
            for (int j = 0; j < length; j++)
            {
                float rounded = (float)expected[j];
                Assert.True(Math.Abs(actual[j] - rounded) <= Math.Max(float.Epsilon, Math.Abs(rounded) * 1.2e-7), $"element {j}: {actual[j]} for {expected[j]}");
                exact += actual[j] == rounded ? 1 : 0;
                total++;
            }
        }

        Assert.True(exact >= total * 0.99, $"{exact} of {total} correctly rounded");
    }

    private delegate void SpanAction(Span<float> row);
}

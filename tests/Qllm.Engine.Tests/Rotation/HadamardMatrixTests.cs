using Qllm.Engine.Rotation;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

public sealed class HadamardMatrixTests
{
    /// <summary>
    /// Every base order (Paley I: 12, 20, 44, 60, 108, 140; Paley II: 28, 36, 76, 148; 12 ⊗ 12 = 144),
    /// stories15M's widths (288, 768, head 48) and the model widths up to 2048, checked in full.
    /// </summary>
    public static TheoryData<int> Orders => [1, 2, 4, 12, 20, 24, 28, 36, 44, 48, 60, 72, 76, 96, 108, 140, 144, 148, 288, 768, 64, 128, 576, 896, 1536, 1792, 2048];

    /// <summary>The widths of the models in use (issue 17) and how each is written: base · power of two.</summary>
    public static TheoryData<int, int, int> Widths => new()
    {
        { 48, 12, 4 },        // stories15M head, as before
        { 288, 144, 2 },      // stories15M dim, as before
        { 768, 12, 64 },      // stories15M hidden, as before
        { 64, 1, 64 },        // head dim
        { 128, 1, 128 },      // head dim
        { 576, 144, 4 },      // SmolLM2-135M dim: 12 ⊗ 12 as before, not 36·16
        { 896, 28, 32 },      // Qwen2.5-0.5B dim
        { 960, 60, 16 },      // SmolLM2-360M dim
        { 1536, 12, 128 },    // SmolLM2-135M hidden
        { 1792, 28, 64 },     // 7·256
        { 2048, 1, 2048 },    // TinyLlama, Llama-3.2-1B dim
        { 2560, 20, 128 },    // SmolLM2-360M hidden
        { 3072, 12, 256 },    // Llama-3.2-3B dim
        { 3584, 28, 128 },    // Qwen2.5-7B dim
        { 4096, 1, 4096 },    // Mistral-7B, Llama-3-8B dim
        { 4864, 76, 64 },     // Qwen2.5-0.5B hidden
        { 5632, 44, 128 },    // TinyLlama hidden
        { 8192, 1, 8192 },    // Llama-3.2-1B/3B hidden
        { 8960, 140, 64 },    // Qwen2.5-1.5B hidden
        { 13824, 108, 128 },  // Qwen2.5-14B hidden
        { 14336, 28, 512 },   // Mistral-7B, Llama-3-8B hidden
        { 18944, 148, 128 },  // Qwen2.5-7B hidden
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void Known_orders_are_Hadamard_matrices(int order)
    {
        Assert.True(HadamardMatrix.TryCreate(order, out var h));
        Assert.True(HadamardMatrix.IsKnownOrder(order));
        Assert.Equal([order, order], new[] { h.GetLength(0), h.GetLength(1) });
        Assert.All(h.Cast<sbyte>(), v => Assert.True(v is 1 or -1, $"entry {v}"));

        // Every partial sum of ±1 products is an integer of at most 2048, exact in float32 whatever
        // the order of summation: H·Hᵀ must equal n·I exactly.
        using var scope = NewDisposeScope();
        var m = AsTensor(h);
        var gram = m.matmul(m.t());
        var expected = eye(order, dtype: ScalarType.Float32) * order;
        Assert.True(Identical(gram, expected), $"max deviation {(gram - expected).abs().max().item<float>()}");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Model_widths_are_a_Hadamard_base_times_a_power_of_two(int width, int baseOrder, int powerOfTwo)
    {
        Assert.True(HadamardMatrix.TryFactor(width, out var a, out var b));
        Assert.Equal((baseOrder, powerOfTwo), (a, b));

        // The base checked in full (the orders above hold every base); the Sylvester part is exact
        // by construction, and the Kronecker product of Hadamard matrices is one.
        var h = HadamardMatrix.Base(a);
        using var scope = NewDisposeScope();
        var m = AsTensor(h);
        Assert.True(Identical(m.matmul(m.t()), eye(a, dtype: ScalarType.Float32) * a));
    }

    [Fact]
    public void Order_12_is_the_matrix_it_was()
    {
        // Paley I over q = 11 as first built (H = I + S, S's first row 0 then 1s, first column −1s):
        // artifacts quantized before keep their bytes.
        var h = HadamardMatrix.Base(12);
        int[] firstRows = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1, -1, -1, -1, 1, -1];
        Assert.Equal(firstRows, h.Cast<sbyte>().Take(24).Select(v => (int)v));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(10)]    // 2 mod 4: no Hadamard matrix exists
    [InlineData(92)]    // 4·23: neither 91 nor 45 is a prime
    [InlineData(100)]   // 4·25: Paley II over 49, a prime power
    [InlineData(688)]   // 16·43: for 172 neither 171 nor 85 is a prime; 344 and 688 are over the bound
    [InlineData(11008)] // 256·43, LLaMA-7B's hidden size: the first prime Paley base, 5504, is over the bound
    public void Unknown_orders_are_refused(int order)
    {
        Assert.False(HadamardMatrix.TryCreate(order, out var h));
        Assert.Null(h);
        Assert.False(HadamardMatrix.IsKnownOrder(order));
    }

    private static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor AsTensor(sbyte[,] h)
    {
        var n = h.GetLength(0);
        return tensor(h.Cast<sbyte>().Select(v => (float)v).ToArray(), [n, n], ScalarType.Float32);
    }
}

using Qllm.Engine.Rotation;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

public sealed class HadamardMatrixTests
{
    // 2^k, 12·2^k and 144·2^k; 288 and 768 are stories15M's dim and hidden size, 48 its head size.
    public static TheoryData<int> Orders => [1, 2, 4, 12, 24, 48, 96, 288, 768];

    [Theory]
    [MemberData(nameof(Orders))]
    public void Known_orders_are_Hadamard_matrices(int order)
    {
        Assert.True(HadamardMatrix.TryCreate(order, out var h));
        Assert.True(HadamardMatrix.IsKnownOrder(order));
        Assert.Equal([order, order], new[] { h.GetLength(0), h.GetLength(1) });
        Assert.All(h.Cast<sbyte>(), v => Assert.True(v is 1 or -1, $"entry {v}"));

        // Integer sums of at most 768 terms are exact in float64: H·Hᵀ must equal n·I exactly.
        using var scope = NewDisposeScope();
        var m = AsTensor(h);
        var gram = m.matmul(m.t());
        Assert.True(Identical(gram, eye(order, dtype: ScalarType.Float64) * order), $"max deviation {(gram - (eye(order, dtype: ScalarType.Float64) * order)).abs().max().item<double>()}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(20)] // Paley's second construction: out of scope.
    [InlineData(36)]
    [InlineData(1728)] // 12³: more Paley factors than supported.
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
        return tensor(h.Cast<sbyte>().Select(v => (double)v).ToArray(), [n, n], ScalarType.Float64);
    }
}

using Qllm.Engine.Quantization.Reassembly;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization.Reassembly;

public sealed class ReassemblyMapTests
{
    // 5 channels: 0 split in two, 1 merged into 3 (group {1, 3}), 2 and 4 untouched.
    private static ReassemblyMap Example() => new(5, [0, 1, 2, 3, 5, 6], [0, 0, 2, 1, 3, 4], [0.5f, 0.5f, 1f, 0.5f, 0.5f, 1f]);

    [Fact]
    public void Identity_is_identity_and_changes_nothing()
    {
        var map = ReassemblyMap.Identity(7);
        Assert.True(map.IsIdentity);
        Assert.Equal(0, map.ExtraChannels);
        using var x = randn(3, 7);
        using var applied = map.ApplyToActivations(x);
        Assert.True(applied.eq(x).all().item<bool>());
        using var a = map.ActivationMatrix(CPU);
        using var eye7 = eye(7);
        Assert.True(a.eq(eye7).all().item<bool>());
        Assert.False(Example().IsIdentity);
    }

    [Fact]
    public void Dense_matrices_agree_with_the_sparse_application()
    {
        var map = Example();
        Assert.Equal(1, map.ExtraChannels);
        using var scope = NewDisposeScope();
        var x = randn(2, 9, 5);
        var w = randn(4, 5);
        var a = map.ActivationMatrix(CPU);
        var s = map.WeightMatrix(CPU);
        Assert.True(map.ApplyToActivations(x).allclose(x.matmul(a), rtol: 1e-6, atol: 1e-6));
        Assert.True(map.ApplyToWeight(w).allclose(w.matmul(s), rtol: 1e-6, atol: 1e-6));

        for (int j = 0; j < map.Channels; j++)
        {
            foreach (var (source, coefficient) in map.Members(j))
            {
                Assert.Equal(coefficient, a[source, j].item<float>());
                Assert.Equal(1f, s[source, j].item<float>());
            }
        }

        Assert.Equal(map.Sources.Count, (int)s.count_nonzero().item<long>());
        Assert.Equal(map.Coefficients.Sum(), a.sum().item<float>(), 5);
    }

    [Fact]
    public void Splits_are_exact_and_merges_are_exact_for_equal_channels()
    {
        using var scope = NewDisposeScope();
        var x = randn(6, 5);
        x[TensorIndex.Colon, 3] = x[TensorIndex.Colon, 1];
        var w = randn(4, 5);
        var map = Example();
        var expected = x.matmul(w.t());
        var actual = map.ApplyToActivations(x).matmul(map.ApplyToWeight(w).t());
        Assert.True(expected.allclose(actual, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Equal_maps_are_equal_by_value_and_copies_protect_them()
    {
        int[] offsets = [0, 1, 2];
        int[] sources = [1, 0];
        var map = new ReassemblyMap(2, offsets, sources, [1f, 1f]);
        var same = new ReassemblyMap(2, [0, 1, 2], [1, 0], [1f, 1f]);
        Assert.Equal(map, same);
        Assert.Equal(map.GetHashCode(), same.GetHashCode());
        sources[0] = 0;
        Assert.Equal(1, map.Sources[0]);
        Assert.NotEqual(map, ReassemblyMap.Identity(2));
    }

    public static TheoryData<int, int[], int[], float[]> Invalid => new()
    {
        { 0, [0], [], [] },                                 // no channels
        { 2, [0, 1], [0], [1f] },                           // offsets too short
        { 2, [0, 1, 2], [0, 2], [1f, 1f] },                 // source out of range
        { 2, [0, 1, 2], [0, -1], [1f, 1f] },                // negative source
        { 2, [0, 2, 2], [0, 1], [1f, 1f] },                 // output 1 has no source
        { 2, [0, 1, 2], [0, 0], [0.5f, 0.5f] },             // input 1 feeds nothing
        { 2, [0, 2, 3], [0, 0, 1], [0.5f, 0.5f, 1f] },      // a source listed twice in one output
        { 2, [0, 1, 2], [0, 1], [1f] },                     // coefficient count
        { 2, [0, 1, 2], [0, 1], [1f, 0f] },                 // zero coefficient
        { 2, [0, 1, 2], [0, 1], [1f, float.NaN] },          // NaN coefficient
        { 2, [0, 1, 3], [0, 1], [1f, 1f] },                 // offsets end past the sources
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_maps_are_rejected(int channels, int[] offsets, int[] sources, float[] coefficients)
    {
        Assert.Throws<ArgumentException>(() => new ReassemblyMap(channels, offsets, sources, coefficients));
    }

    [Fact]
    public void Applying_to_the_wrong_width_is_rejected()
    {
        using var x = randn(3, 4);
        Assert.Throws<ArgumentException>(() => Example().ApplyToActivations(x));
    }
}

using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Gptq;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization.Gptq;

public sealed class FixedRoundingTests
{
    [Fact]
    public void A_fixed_rounding_is_what_the_linear_computes_with_and_survives_cache_invalidation()
    {
        using var scope = NewDisposeScope();
        var (w, x) = GptqRoundingTests.Problem(seed: 20, tokens: 512);
        using var linear = new QuantizedLinear(w, bits: 4, groupSize: null, "test");
        var nearest = linear.call(x).detach().clone();
        Assert.Null(linear.Rounded);

        var rounded = GptqRounding.Round(w, GptqRoundingTests.Hessian(x), bits: 4).Weight;
        linear.FixRounding(rounded);
        Assert.Same(rounded, linear.Rounded);
        var expected = x.matmul(rounded.Dequantize().t());
        Assert.True(expected.allclose(linear.call(x), rtol: 1e-6, atol: 1e-6));
        Assert.False(nearest.allclose(linear.call(x)));

        linear.InvalidateCache();
        linear.Fuse();
        Assert.True(expected.allclose(linear.call(x), rtol: 1e-6, atol: 1e-6), "the rounding was computed from the final weight; it stays");
    }

    [Fact]
    public void Adapters_and_fixed_roundings_exclude_each_other()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(21);
        var (w, _) = GptqRoundingTests.Problem(seed: 21, tokens: 8);
        using var trained = new QuantizedLinear(w.clone(), bits: 4, groupSize: null, "trained");
        trained.AttachAdapter(rank: 4, alpha: 1, generator);
        Assert.Throws<InvalidOperationException>(() => trained.FixRounding(QuantizedTensor.From(w, 4)));

        using var rounded = new QuantizedLinear(w.clone(), bits: 4, groupSize: null, "rounded");
        rounded.FixRounding(QuantizedTensor.From(w, 4));
        Assert.Throws<InvalidOperationException>(() => rounded.AttachAdapter(rank: 4, alpha: 1, generator));
        Assert.Throws<ArgumentException>(() => rounded.FixRounding(QuantizedTensor.From(w, 3)));
        Assert.Throws<ArgumentException>(() => rounded.FixRounding(QuantizedTensor.From(w.narrow(0, 0, 8), 4)));
    }
}

using Qllm.Engine.Quantization;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization;

public sealed class QuantizedLinearTests
{
    [Fact]
    public void A_fresh_adapter_changes_nothing_and_fusion_keeps_what_training_saw()
    {
        using var generator = new Generator(5);
        var weight = randn([32, 48], generator: generator) * 0.1f;
        var input = randn([3, 48], generator: generator);
        using var linear = new QuantizedLinear(weight, bits: 4, groupSize: null, "test");
        var plain = linear.call(input).detach();
        linear.AttachAdapter(rank: 4, alpha: 1, generator);
        Assert.True(plain.allclose(linear.call(input)), "B starts at zero");

        using (no_grad())
        {
            linear.AdapterParameters.Last().copy_(randn([32, 4], generator: generator) * 0.05f);
        }

        var trained = linear.call(input).detach();
        Assert.False(plain.allclose(trained));
        linear.Fuse();
        Assert.False(linear.HasAdapter);
        Assert.True(trained.allclose(linear.call(input), rtol: 1e-5, atol: 1e-5), "Q(W + sBA) before fusion equals Q(W') after");
    }

    [Fact]
    public void A_linear_whose_rounding_is_fixed_computes_the_same_once_its_float_weight_is_released()
    {
        using var generator = new Generator(7);
        var weight = randn([32, 48], generator: generator) * 0.1f;
        var input = randn([3, 48], generator: generator);
        using var linear = new QuantizedLinear(weight, bits: 4, groupSize: null, "test");
        Assert.Throws<InvalidOperationException>(linear.ReleaseWeight);

        linear.FixRounding(QuantizedTensor.From(weight, 4));
        var before = linear.call(input).detach();
        linear.ReleaseWeight();
        linear.InvalidateCache();

        Assert.True(before.eq(linear.call(input)).all().item<bool>());
        Assert.Throws<InvalidOperationException>(() => linear.Weight);
        Assert.DoesNotContain(linear.parameters(), p => p.IsInvalid);
    }

    [Fact]
    public void An_adapter_trains_through_bfloat16_products_with_float32_values_and_gradients()
    {
        using var generator = new Generator(7);
        var weight = randn([64, 96], generator: generator) * 0.1f;
        var input = randn([2, 5, 96], generator: generator);
        using var linear = new QuantizedLinear(weight, bits: 4, groupSize: null, "test");
        linear.AttachAdapter(rank: 4, alpha: 1, generator, roundsWeight: false);
        var a = linear.AdapterParameters.First();
        var b = linear.AdapterParameters.Last();
        using (no_grad())
        {
            b.copy_(randn([64, 4], generator: generator) * 0.05f);
        }

        var (full, fullGradients) = OutputAndGradients(linear, input, a, b);
        linear.CalibrationProducts = ScalarType.BFloat16;
        var (narrow, narrowGradients) = OutputAndGradients(linear, input, a, b);

        Assert.Equal(ScalarType.Float32, narrow.dtype);
        Assert.All(narrowGradients, gradient => Assert.Equal(ScalarType.Float32, gradient.dtype));
        Assert.False(narrow.eq(full).all().item<bool>(), "really a bfloat16 product");
        Assert.True(narrow.allclose(full, rtol: 0.02, atol: 0.02), $"max difference {(narrow - full).abs().max().item<float>()}");
        foreach (var (n, f) in narrowGradients.Zip(fullGradients))
        {
            Assert.InRange(((n - f).norm() / f.norm()).item<float>(), 0, 0.02);
        }
    }

    private static (Tensor Output, Tensor[] Gradients) OutputAndGradients(QuantizedLinear linear, Tensor input, Tensor a, Tensor b)
    {
        a.grad?.zero_();
        b.grad?.zero_();
        var output = linear.call(input);
        output.pow(2).sum().backward();
        return (output.detach(), [a.grad!.clone(), b.grad!.clone()]);
    }
}

using Qllm.Engine.Quantization;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization;

public sealed class UniformQuantizerTests
{
    private static Tensor Weight() => randn([16, 64], generator: new Generator(3)) * 0.1f;

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Codes_use_the_whole_range_and_dequantize_within_half_a_step(int bits)
    {
        var weight = Weight();
        var (codes, scales, zeros) = UniformQuantizer.Quantize(weight, bits);
        Assert.Equal(0, codes.min().item<byte>());
        Assert.Equal((1 << bits) - 1, codes.max().item<byte>());
        var error = (UniformQuantizer.Dequantize(codes, scales, zeros) - weight).abs();
        Assert.True((error <= (scales * 0.5001f)).all().item<bool>());
    }

    [Fact]
    public void Fake_quantization_equals_dequantized_codes()
    {
        var weight = Weight();
        var (codes, scales, zeros) = UniformQuantizer.Quantize(weight, 4, groupSize: 16);
        Assert.Equal([16L, 4], scales.shape);
        var expected = UniformQuantizer.Dequantize(codes, scales, zeros);
        Assert.True(expected.allclose(UniformQuantizer.FakeQuantize(weight, 4, groupSize: 16), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Sixteen_bits_means_unquantized()
    {
        var x = Weight();
        Assert.True(x.eq(UniformQuantizer.FakeQuantize(x, 16)).all().item<bool>());
    }

    [Fact]
    public void Straight_through_rounding_passes_the_gradient_unchanged()
    {
        var x = Weight().requires_grad_(true);
        UniformQuantizer.FakeQuantize(x, 4, straightThrough: true).sum().backward();
        Assert.True(x.grad!.allclose(ones_like(x)));
    }
}

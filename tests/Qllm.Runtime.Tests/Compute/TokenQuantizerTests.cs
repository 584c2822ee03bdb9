using Qllm.Engine.Quantization;
using Qllm.Engine.Torch;
using Qllm.Runtime.Compute;
using static TorchSharp.torch;

namespace Qllm.Runtime.Tests.Compute;

[Trait("Category", Kernels.KernelPaths.Category)]
public sealed class TokenQuantizerTests
{
    public TokenQuantizerTests() => TorchRuntime.Initialize(DeviceRequest.Cpu);

    [Theory]
    [InlineData(4, 288)]
    [InlineData(6, 768)]
    [InlineData(8, 37)]
    public void Codes_dequantize_to_the_engines_fake_quantized_values(int bits, int columns)
    {
        var random = new Random(bits * columns);
        for (int trial = 0; trial < 50; trial++)
        {
            var x = Enumerable.Range(0, columns).Select(_ => (float)((random.NextDouble() - 0.3) * (trial + 1))).ToArray();
            using var expectedTensor = UniformQuantizer.FakeQuantize(tensor(x), bits);
            var expected = expectedTensor.data<float>().ToArray();
            var codes = new byte[columns];
            var (scale, zero, sum) = TokenQuantizer.Quantize(x, bits, codes);
            Assert.Equal(codes.Sum(c => c), sum);
            Assert.Equal(expected, codes.Select(c => (c - zero) * scale).ToArray());

            var fake = (float[])x.Clone();
            TokenQuantizer.FakeQuantize(fake, bits);
            Assert.Equal(expected, fake);
        }
    }

    [Fact]
    public void The_range_is_found_wherever_the_extremes_lie()
    {
        // Lengths below, at and past a vector, with the smallest and largest value at every position:
        // the first vector, any lane, and the scalar tail.
        for (int length = 1; length <= 27; length++)
        {
            for (int at = 0; at < length; at++)
            {
                var x = Enumerable.Range(0, length).Select(j => (float)Math.Sin(j)).ToArray();
                x[at] = -5f;
                x[length - 1 - at] = at == length - 1 - at ? -5f : 7f;
                float min = x.Min(), max = x.Max();
                float expectedScale = MathF.Max((max - min) / 15, 1e-5f);

                var (scale, zero, _) = TokenQuantizer.Quantize(x, 4, new byte[length]);

                Assert.Equal(expectedScale, scale);
                Assert.Equal(MathF.Round(-min / expectedScale), zero);
            }
        }
    }
}

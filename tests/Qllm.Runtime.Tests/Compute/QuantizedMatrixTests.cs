using Qllm.Artifacts.Container;
using Qllm.Runtime.Compute;

namespace Qllm.Runtime.Tests.Compute;

[Trait("Category", Kernels.KernelPaths.Category)]
public sealed class QuantizedMatrixTests
{
    [Theory]
    [InlineData(4, 4, 288)]
    [InlineData(4, 8, 768)]
    [InlineData(4, 16, 100)]
    [InlineData(6, 6, 288)]
    [InlineData(8, 8, 65)]
    [InlineData(3, 16, 33)]
    public void Products_equal_the_dequantized_float_products(int weightBits, int activationBits, int columns)
    {
        const int rows = 21, tokens = 3;
        var random = new Random(weightBits * 100 + columns);
        var natural = Enumerable.Range(0, rows * columns).Select(_ => (byte)random.Next(1 << weightBits)).ToArray();
        var scales = Enumerable.Range(0, rows).Select(_ => (float)(random.NextDouble() * 0.1) + 1e-3f).ToArray();
        var zeros = Enumerable.Range(0, rows).Select(_ => (float)random.Next(1 << weightBits)).ToArray();
        var stored = weightBits == 4 ? Pack4(natural, rows, columns) : natural;
        var matrix = new QuantizedMatrix(WeightCodes.Owned(stored), weightBits, rows, columns, scales, zeros);
        var x = Enumerable.Range(0, tokens * columns).Select(_ => (float)((random.NextDouble() * 4) - 1.5)).ToArray();
        var input = new InputPoint(columns, null, activationBits, weightBits, matrix.PackedLayout);

        var output = new float[tokens * rows];
        matrix.Multiply(input.Prepare(x, tokens), output, 0, rows);

        for (int t = 0; t < tokens; t++)
        {
            var activation = x.AsSpan(t * columns, columns).ToArray();
            if (activationBits < 16)
            {
                TokenQuantizer.FakeQuantize(activation, activationBits);
            }

            for (int r = 0; r < rows; r++)
            {
                double expected = 0;
                for (int j = 0; j < columns; j++)
                {
                    expected += activation[j] * ((natural[(r * columns) + j] - zeros[r]) * scales[r]);
                }

                Assert.True(Math.Abs(expected - output[(t * rows) + r]) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"token {t}, row {r}: {output[(t * rows) + r]} instead of {expected}");
            }
        }
    }

    private static byte[] Pack4(byte[] codes, int rows, int columns)
    {
        var packed = new byte[rows * ((columns + 1) / 2)];
        BitPacking.Pack(codes, 4, rows, columns, packed);
        return packed;
    }
}

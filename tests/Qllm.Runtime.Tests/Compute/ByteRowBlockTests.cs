using System.Runtime.Intrinsics.X86;
using Qllm.Runtime.Compute;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Compute;

public sealed class ByteRowBlockTests
{
    // The classifier's shape (288), ones with a scalar tail for either kernel (291, 296), and token
    // counts around the tile of three. Against the kernel a single token takes on this machine (512-bit
    // where enabled).
    [Theory]
    [InlineData(288, 1)]
    [InlineData(288, 7)]
    [InlineData(291, 5)]
    [InlineData(296, 4)]
    [InlineData(16, 3)]
    public void Many_tokens_at_once_give_bit_identical_products_to_the_token_by_token_kernel(int columns, int tokens)
    {
        if (!Avx2.IsSupported || !Fma.IsSupported)
        {
            return;
        }

        var random = new Random(columns + tokens);
        var values = Enumerable.Range(0, tokens * columns).Select(_ => (float)(random.NextDouble() - 0.5) * 3).ToArray();
        var rows = new byte[4 * columns];
        random.NextBytes(rows);
        // Integer zero points, as artifacts hold them (the loader refuses others).
        float[] zeros = [128f, 3f, 200f, 0f], scales = [0.013f, 0.5f, 1e-3f, 2f];
        const int Stride = 10, Row = 3;
        var blocked = new float[tokens * Stride];
        ByteRowBlock.Multiply(values, tokens, rows, zeros, scales, blocked, Stride, Row);

        Span<float> sums = stackalloc float[4];
        for (int t = 0; t < tokens; t++)
        {
            FloatDot.DotBytesRows4(values.AsSpan(t * columns, columns), rows, zeros, sums);
            for (int k = 0; k < 4; k++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(scales[k] * sums[k]), BitConverter.SingleToInt32Bits(blocked[(t * Stride) + Row + k]));
            }
        }
    }
}

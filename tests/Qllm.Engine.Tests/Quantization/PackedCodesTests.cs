using Qllm.Engine.Quantization;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization;

public sealed class PackedCodesTests
{
    [Theory]
    [InlineData(4, 7)]
    [InlineData(4, 8)]
    [InlineData(3, 5)]
    [InlineData(8, 6)]
    public void Codes_unpack_to_what_was_packed(int bits, int columns)
    {
        using var codes = randint(0, 1 << bits, [5, columns], dtype: ScalarType.Byte);
        var packed = PackedCodes.Pack(codes, bits);
        using var unpacked = packed.Unpack();

        Assert.Equal(((columns * bits) + 7) / 8 * 5, packed.Bytes.Length);
        Assert.Equal(ScalarType.Byte, unpacked.dtype);
        Assert.True(unpacked.eq(codes).all().item<bool>());
    }

    [Fact]
    public void Four_bit_codes_take_half_the_bytes()
    {
        using var codes = zeros([64, 2048], dtype: ScalarType.Byte);
        Assert.Equal(64 * 1024, PackedCodes.Pack(codes, 4).Bytes.Length);
    }

    [Fact]
    public void Anything_but_a_byte_matrix_is_refused()
    {
        using var floats = zeros([2, 2]);
        using var vector = zeros([4], dtype: ScalarType.Byte);
        Assert.Throws<ArgumentException>(() => PackedCodes.Pack(floats, 4));
        Assert.Throws<ArgumentException>(() => PackedCodes.Pack(vector, 4));
    }
}

using Qllm.Cache;

namespace Qllm.Cache.Tests;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("500MB", 500L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("2gib", 2L << 30)]
    [InlineData("1048576", 1L << 20)]
    [InlineData("0", 0L)]
    [InlineData(" 10 KB ", 10L << 10)]
    [InlineData("7B", 7L)]
    [InlineData("1T", 1L << 40)]
    public void Sizes_people_write_are_read(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("banana")]
    [InlineData("")]
    [InlineData("MB")]
    [InlineData("-5MB")]
    [InlineData("1e3")]
    [InlineData("5 PB")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("99999999999T")]
    public void Anything_else_is_refused(string text)
    {
        Assert.False(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(0, bytes);
    }

    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1536L, "1.5 KB")]
    [InlineData(13_526_000L, "12.9 MB")]
    [InlineData(3L << 29, "1.5 GB")]
    public void Sizes_are_formatted_short(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));
}

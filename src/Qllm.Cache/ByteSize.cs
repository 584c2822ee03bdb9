using System.Globalization;

namespace Qllm.Cache;

/// <summary>Sizes as people write them: <c>500MB</c>, <c>1.5G</c>, <c>2GiB</c>, <c>1048576</c> (1024-based, like du).</summary>
internal static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("TIB", 1L << 40), ("GIB", 1L << 30), ("MIB", 1L << 20), ("KIB", 1L << 10),
        ("TB", 1L << 40), ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10),
        ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1),
    ];

    /// <summary>Parses <paramref name="text"/>; false when it is not a non-negative size.</summary>
    public static bool TryParse(string text, out long bytes)
    {
        var trimmed = text.Trim().ToUpperInvariant();
        var (suffix, factor) = Units.FirstOrDefault(u => trimmed.EndsWith(u.Suffix, StringComparison.Ordinal), (Suffix: string.Empty, Factor: 1L));
        var number = trimmed[..^suffix.Length].Trim();
        if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value * factor < long.MaxValue)
        {
            bytes = (long)(value * factor);
            return true;
        }

        bytes = 0;
        return false;
    }

    /// <summary>A short human form: <c>12.9 MB</c>.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}

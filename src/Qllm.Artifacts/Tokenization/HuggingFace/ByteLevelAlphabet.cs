namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// GPT-2's byte-to-character table: byte-level BPE vocabularies spell every byte as a printable
/// character (printable Latin-1 bytes as themselves, the others as U+0100 onwards), so that no
/// token holds a space or a control character.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] CharOfByte = Build();
    private static readonly Dictionary<char, byte> ByteOfChar = CharOfByte.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char Of(byte value) => CharOfByte[value];

    /// <summary>The byte a character stands for, or false for a character outside the alphabet.</summary>
    public static bool TryGetByte(char c, out byte value) => ByteOfChar.TryGetValue(c, out value);

    /// <summary>The bytes spelled as alphabet characters.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => string.Create(bytes.Length, bytes.ToArray(), static (chars, b) =>
    {
        for (var i = 0; i < b.Length; i++)
        {
            chars[i] = CharOfByte[b[i]];
        }
    });

    private static char[] Build()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }
}

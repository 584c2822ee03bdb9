using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// Ids back to text, for the two decoders these tokenizers have: <c>ByteLevel</c> (each character
/// of a token stands for a byte) and the SentencePiece-style ones (<c>▁</c> is a space,
/// <c>&lt;0xXX&gt;</c> a byte, and the space the normalizer put in front is dropped). Special added
/// tokens are left out.
/// </summary>
internal sealed class TokenDecoder
{
    private const char SpaceMarker = '\u2581';

    private readonly string?[] _tokens;
    private readonly bool[] _special;
    private readonly bool[] _added;
    private readonly bool _byteLevel;
    private readonly int _stripLeadingSpaces;

    public TokenDecoder(string?[] tokens, bool[] special, bool[] added, bool byteLevel, int stripLeadingSpaces)
    {
        _tokens = tokens;
        _special = special;
        _added = added;
        _byteLevel = byteLevel;
        _stripLeadingSpaces = stripLeadingSpaces;
    }

    /// <summary>How many leading spaces the <c>decoder</c> removes: a <c>Strip</c> step's start, or 1 for a prepending <c>Metaspace</c>.</summary>
    public static int LeadingSpacesStripped(JsonElement decoder)
    {
        var type = TokenizerJson.OptionalString(decoder, "type");
        return type switch
        {
            "Sequence" => TokenizerJson.Property(decoder, "decoders") is { ValueKind: JsonValueKind.Array } steps ? steps.EnumerateArray().Sum(LeadingSpacesStripped) : 0,
            "Strip" when TokenizerJson.OptionalString(decoder, "content") == " " && TokenizerJson.Property(decoder, "start") is { ValueKind: JsonValueKind.Number } start => start.GetInt32(),
            "Metaspace" => TokenizerJson.OptionalString(decoder, "prepend_scheme") is "never" || !TokenizerJson.Bool(decoder, "add_prefix_space", absent: true) ? 0 : 1,
            _ => 0,
        };
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        var bytes = new List<byte>(ids.Count * 4);
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_tokens.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token ids run from 0 to {_tokens.Length - 1}.");
            }

            if (_special[id] || _tokens[id] is not { } token)
            {
                continue;
            }

            if (_added[id])
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
            }
            else if (_byteLevel)
            {
                foreach (var c in token)
                {
                    if (ByteLevelAlphabet.TryGetByte(c, out var b))
                    {
                        bytes.Add(b);
                    }
                }
            }
            else if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token.EndsWith('>')
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                bytes.Add(value);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token.Replace(SpaceMarker, ' ')));
            }
        }

        var text = Encoding.UTF8.GetString([.. bytes]);
        var strip = 0;
        while (strip < _stripLeadingSpaces && strip < text.Length && text[strip] == ' ')
        {
            strip++;
        }

        return text[strip..];
    }
}

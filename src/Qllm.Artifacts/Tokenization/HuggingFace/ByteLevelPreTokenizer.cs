using System.Text;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// <c>ByteLevel</c>: optionally a leading space and GPT-2's split, then each piece's UTF-8 bytes
/// spelled in <see cref="ByteLevelAlphabet"/>.
/// </summary>
internal sealed class ByteLevelPreTokenizer : IPreTokenizer
{
    /// <summary>GPT-2's pre-tokenizer regex (<c>use_regex</c>).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly bool _addPrefixSpace;
    private readonly CodePointRegex? _split;

    public ByteLevelPreTokenizer(bool addPrefixSpace, CodePointRegex? split)
    {
        _addPrefixSpace = addPrefixSpace;
        _split = split;
    }

    public void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        if (_addPrefixSpace && !text.StartsWith(' '))
        {
            text = " " + text;
        }

        if (_split is null)
        {
            output.Add(ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(text)));
            return;
        }

        foreach (var (start, length) in _split.Matches(text))
        {
            output.Add(ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(text.Substring(start, length))));
        }
    }
}

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary><c>Digits</c>: runs of numeric characters apart from the rest; with <c>individual_digits</c>, each digit alone.</summary>
internal sealed class DigitsPreTokenizer : IPreTokenizer
{
    private readonly bool _individual;

    public DigitsPreTokenizer(bool individual) => _individual = individual;

    public void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        var start = 0;
        while (start < text.Length)
        {
            var numeric = IsNumeric(text, start);
            var end = start + Width(text, start);
            if (!(numeric && _individual))
            {
                while (end < text.Length && IsNumeric(text, end) == numeric)
                {
                    end += Width(text, end);
                }
            }

            output.Add(text[start..end]);
            start = end;
        }
    }

    // Rust's char::is_numeric (the tokenizers crate): categories Nd, Nl and No, by code point.
    private static bool IsNumeric(string text, int index) => char.IsNumber(text, index);

    private static int Width(string text, int index) => char.IsSurrogatePair(text, index) ? 2 : 1;
}

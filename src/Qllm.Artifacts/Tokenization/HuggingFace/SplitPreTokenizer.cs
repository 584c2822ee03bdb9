namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// <c>Split</c> with behavior <c>Isolated</c> (every match a piece, and every stretch between
/// matches) or <c>Removed</c> (only the stretches between matches).
/// </summary>
internal sealed class SplitPreTokenizer : IPreTokenizer
{
    private readonly CodePointRegex _pattern;
    private readonly bool _keepMatches;

    public SplitPreTokenizer(CodePointRegex pattern, bool keepMatches)
    {
        _pattern = pattern;
        _keepMatches = keepMatches;
    }

    public void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        var end = 0;
        foreach (var (start, length) in _pattern.Matches(text))
        {
            if (start > end)
            {
                output.Add(text[end..start]);
            }

            if (_keepMatches)
            {
                output.Add(text.Substring(start, length));
            }

            end = start + length;
        }

        if (end < text.Length)
        {
            output.Add(text[end..]);
        }
    }
}

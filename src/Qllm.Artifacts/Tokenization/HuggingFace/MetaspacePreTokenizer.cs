namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// <c>Metaspace</c> (SentencePiece-style files written without a normalizer): spaces become
/// <c>▁</c>, a <c>▁</c> is put in front by <c>prepend_scheme</c> (always, or only in the first
/// section, or never), and with <c>split</c> each piece starts at a run of <c>▁</c>: as the Rust
/// crate splits (its <c>MergedWithNext</c> delimiter behaviour keeps consecutive <c>▁</c> together,
/// so "▁▁two" stays one piece and can become "▁▁" + "two"). tokenizers.js ignores <c>split</c>; on
/// SentencePiece vocabularies, whose pieces hold no <c>▁</c> after another character, both give
/// the same ids, which the reference tests check.
/// </summary>
internal sealed class MetaspacePreTokenizer : IPreTokenizer
{
    private readonly char _replacement;
    private readonly string _prependScheme;
    private readonly bool _split;

    public MetaspacePreTokenizer(char replacement, string prependScheme, bool split)
    {
        _replacement = replacement;
        _prependScheme = prependScheme;
        _split = split;
    }

    public void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        var replaced = text.Replace(' ', _replacement);
        var prepend = _prependScheme == "always" || (_prependScheme == "first" && sectionIndex == 0);
        if (prepend && !replaced.StartsWith(_replacement))
        {
            replaced = _replacement + replaced;
        }

        if (!_split)
        {
            output.Add(replaced);
            return;
        }

        var start = 0;
        for (var i = 1; i < replaced.Length; i++)
        {
            if (replaced[i] == _replacement && replaced[i - 1] != _replacement)
            {
                output.Add(replaced[start..i]);
                start = i;
            }
        }

        output.Add(replaced[start..]);
    }
}

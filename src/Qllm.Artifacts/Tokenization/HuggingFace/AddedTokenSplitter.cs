namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// Cuts added tokens out of text, scanning left to right and taking the longest token that starts
/// at each position (leftmost-longest, as Hugging Face tokenizers match them); <c>lstrip</c> and
/// <c>rstrip</c> tokens take the whitespace beside them.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    /// <param name="tokens">The tokens to match, keyed by the text they are matched as.</param>
    public AddedTokenSplitter(IEnumerable<KeyValuePair<string, AddedToken>> tokens) =>
        _byFirstChar = tokens
            .Where(t => t.Key.Length > 0)
            .GroupBy(t => t.Key[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Key.Length).Select(t => t.Value with { Content = t.Key }).ToArray());

    /// <summary>Whether there is no token to match.</summary>
    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>The sections of <paramref name="text"/>: plain text (token null) and matched tokens, in order; empty sections left out.</summary>
    public List<(string Text, AddedToken? Token)> Split(string text)
    {
        var sections = new List<(string Text, AddedToken? Token)>();
        if (IsEmpty)
        {
            sections.Add((text, null));
            return sections;
        }

        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            var token = Match(text, i);
            if (token is null)
            {
                i++;
                continue;
            }

            if (i > start)
            {
                sections.Add((text[start..i], null));
            }

            sections.Add((token.Content, token));
            i += token.Content.Length;
            start = i;
        }

        if (start < text.Length)
        {
            sections.Add((text[start..], null));
        }

        Strip(sections);
        sections.RemoveAll(s => s.Text.Length == 0);
        return sections;
    }

    private AddedToken? Match(string text, int position)
    {
        if (!_byFirstChar.TryGetValue(text[position], out var candidates))
        {
            return null;
        }

        foreach (var candidate in candidates)
        {
            if (text.AsSpan(position).StartsWith(candidate.Content, StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        return null;
    }

    private static void Strip(List<(string Text, AddedToken? Token)> sections)
    {
        for (var i = 0; i < sections.Count; i++)
        {
            if (sections[i].Token is not { } token)
            {
                continue;
            }

            if (token.LeftStrip && i > 0 && sections[i - 1].Token is null)
            {
                sections[i - 1] = (sections[i - 1].Text.TrimEnd(), null);
            }

            if (token.RightStrip && i + 1 < sections.Count && sections[i + 1].Token is null)
            {
                sections[i + 1] = (sections[i + 1].Text.TrimStart(), null);
            }
        }
    }
}

using System.Text;

namespace Qllm.Setup;

/// <summary>
/// Turns one POS-tagged Brown corpus file back into running text.
/// </summary>
/// <remarks>
/// The tagged files hold <c>word/tag</c> tokens separated by spaces (the tag follows the last '/'),
/// one sentence a line, paragraphs separated by blank lines (their first line tab-indented), and
/// headline lines whose tags all carry <c>-hl</c>. The output has one paragraph a line-block,
/// paragraphs separated by a blank line, headlines as paragraphs of their own. Punctuation attaches
/// to the word before it; <c>``</c> and <c>''</c> become ASCII double quotes; a lone <c>'</c> is a
/// single quote, opening and closing in turn within a paragraph. Two quirks of the corpus are undone
/// so the text reads like ordinary American prose: a sentence's final <c>? ! ;</c> is often doubled
/// (collapsed to one), so is the full stop after an abbreviation that ends a sentence
/// (<c>Co. .</c>), and the comma or full stop after a quotation sits outside its closing quote
/// (moved inside; dropped when the quotation already ends in <c>. ? !</c>).
/// </remarks>
internal static class BrownDetokenizer
{
    private enum Kind
    {
        Word,
        /// <summary>Attaches to the previous token: , . ; : ! ? ).</summary>
        Closing,
        /// <summary>Attaches to the next token: ( and opening quotes.</summary>
        Opening,
        /// <summary>A closing quote: attaches to the previous token.</summary>
        CloseQuote,
    }

    private readonly record struct Token(string Text, Kind Kind);

    /// <summary>Detokenizes a whole tagged file into paragraphs separated by blank lines, without a trailing newline.</summary>
    public static string Detokenize(string tagged)
    {
        ArgumentNullException.ThrowIfNull(tagged);
        var paragraphs = new List<string>();
        var words = new List<string>();
        foreach (var rawLine in tagged.Split('\n'))
        {
            var tokens = rawLine.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0)
            {
                Flush(words, paragraphs);
                continue;
            }

            var headline = tokens.All(IsHeadlineToken);
            if (headline)
            {
                Flush(words, paragraphs);
            }

            foreach (var token in tokens)
            {
                words.Add(WordOf(token));
            }

            if (headline)
            {
                Flush(words, paragraphs);
            }
        }

        Flush(words, paragraphs);
        return string.Join("\n\n", paragraphs);
    }

    /// <summary>The word of a <c>word/tag</c> token: the text before the last '/' (words may themselves hold '/').</summary>
    internal static string WordOf(string token)
    {
        var slash = token.LastIndexOf('/');
        return slash > 0 ? token[..slash] : token;
    }

    private static bool IsHeadlineToken(string token)
    {
        var slash = token.LastIndexOf('/');
        return slash > 0 && token.AsSpan(slash + 1).Contains("-hl", StringComparison.Ordinal);
    }

    private static void Flush(List<string> words, List<string> paragraphs)
    {
        if (words.Count > 0)
        {
            paragraphs.Add(JoinParagraph(words));
            words.Clear();
        }
    }

    /// <summary>Joins one paragraph's words into text.</summary>
    internal static string JoinParagraph(IReadOnlyList<string> words)
    {
        var tokens = Classify(words);
        CollapseRepeats(tokens);
        MovePunctuationInsideQuotes(tokens);

        var text = new StringBuilder();
        var previous = Kind.Opening; // nothing before the first token, as after an opening bracket
        foreach (var token in tokens)
        {
            var attach = previous == Kind.Opening || token.Kind is Kind.Closing or Kind.CloseQuote;
            if (!attach)
            {
                text.Append(' ');
            }

            text.Append(token.Text);
            previous = token.Kind;
        }

        return text.ToString();
    }

    private static List<Token> Classify(IReadOnlyList<string> words)
    {
        var tokens = new List<Token>(words.Count);
        var singleQuoteOpen = false;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            switch (word)
            {
                case "``":
                    tokens.Add(new Token("\"", Kind.Opening));
                    break;
                case "''":
                    tokens.Add(new Token("\"", Kind.CloseQuote));
                    break;
                case "'":
                    // A quote that nothing follows, or only punctuation, can only be closing.
                    var nextIsWord = i + 1 < words.Count && KindOf(words[i + 1]) is Kind.Word or Kind.Opening;
                    var opens = !singleQuoteOpen && nextIsWord;
                    tokens.Add(new Token("'", opens ? Kind.Opening : Kind.CloseQuote));
                    singleQuoteOpen = opens;
                    break;
                default:
                    tokens.Add(new Token(word, KindOf(word)));
                    break;
            }
        }

        return tokens;
    }

    private static Kind KindOf(string word) => word switch
    {
        "," or "." or ";" or ":" or "!" or "?" or ")" => Kind.Closing,
        "(" or "``" => Kind.Opening,
        "''" => Kind.CloseQuote,
        _ => Kind.Word,
    };

    private static bool IsRepeatable(string text) => text is "," or ";" or "?" or "!";

    private static bool IsTerminal(string text) => text is "." or "?" or "!";

    private static void CollapseRepeats(List<Token> tokens)
    {
        for (var i = tokens.Count - 1; i > 0; i--)
        {
            var repeated = IsRepeatable(tokens[i].Text) && tokens[i].Text == tokens[i - 1].Text;
            var abbreviationEndsSentence = tokens[i].Text == "." && tokens[i - 1].Kind == Kind.Word && tokens[i - 1].Text.EndsWith('.');
            if (repeated || abbreviationEndsSentence)
            {
                tokens.RemoveAt(i);
            }
        }
    }

    private static void MovePunctuationInsideQuotes(List<Token> tokens)
    {
        for (var i = 1; i < tokens.Count; i++)
        {
            var punctuation = tokens[i];
            if (punctuation.Text is not ("," or "." or "?" or "!") || tokens[i - 1].Kind != Kind.CloseQuote)
            {
                continue;
            }

            // Walk back over the closing quotes (a single quote may close inside a double one).
            var j = i;
            while (j > 0 && tokens[j - 1].Kind == Kind.CloseQuote)
            {
                j--;
            }

            tokens.RemoveAt(i);
            var quotationEndsSentence = j > 0 && IsTerminal(tokens[j - 1].Text);
            if (quotationEndsSentence && punctuation.Text is "," or ".")
            {
                i--; // "Stop!", he said -> "Stop!" he said
                continue;
            }

            if (quotationEndsSentence && tokens[j - 1].Text == punctuation.Text)
            {
                i--;
                continue;
            }

            tokens.Insert(j, punctuation);
        }
    }
}

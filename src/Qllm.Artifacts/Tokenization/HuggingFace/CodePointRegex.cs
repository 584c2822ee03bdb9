using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// A pre-tokenizer regex matched over code points, as Oniguruma (Hugging Face tokenizers) and
/// JavaScript's <c>u</c> flag match it. .NET matches UTF-16 units, so a character outside the BMP
/// would meet <c>\p{L}</c> as two surrogates of category Cs. Each such character is matched as a
/// stand-in BMP character of its own general category instead, and the matches mapped back.
/// </summary>
internal sealed class CodePointRegex
{
    /// <summary>A BMP stand-in for each general category, outside ASCII and unlike any pattern literal.</summary>
    private static readonly Dictionary<UnicodeCategory, char> StandIns = new()
    {
        [UnicodeCategory.UppercaseLetter] = '\u0531',
        [UnicodeCategory.LowercaseLetter] = '\u0561',
        [UnicodeCategory.TitlecaseLetter] = '\u01C5',
        [UnicodeCategory.ModifierLetter] = '\u02B0',
        [UnicodeCategory.OtherLetter] = '\u05D0',
        [UnicodeCategory.NonSpacingMark] = '\u0300',
        [UnicodeCategory.SpacingCombiningMark] = '\u0903',
        [UnicodeCategory.EnclosingMark] = '\u20DD',
        [UnicodeCategory.DecimalDigitNumber] = '\u0660',
        [UnicodeCategory.LetterNumber] = '\u2160',
        [UnicodeCategory.OtherNumber] = '\u2460',
        [UnicodeCategory.Format] = '\u2061',
        [UnicodeCategory.PrivateUse] = '\uE000',
        [UnicodeCategory.ConnectorPunctuation] = '\u203F',
        [UnicodeCategory.DashPunctuation] = '\u2010',
        [UnicodeCategory.OpenPunctuation] = '\u2045',
        [UnicodeCategory.ClosePunctuation] = '\u2046',
        [UnicodeCategory.InitialQuotePunctuation] = '\u00AB',
        [UnicodeCategory.FinalQuotePunctuation] = '\u00BB',
        [UnicodeCategory.OtherPunctuation] = '\u203B',
        [UnicodeCategory.MathSymbol] = '\u2200',
        [UnicodeCategory.CurrencySymbol] = '\u20A0',
        [UnicodeCategory.ModifierSymbol] = '\u02C2',
        [UnicodeCategory.OtherSymbol] = '\u2600',
        [UnicodeCategory.OtherNotAssigned] = '\u0378',
    };

    private readonly Regex _regex;

    public CodePointRegex(Regex regex) => _regex = regex;

    /// <summary>The matches in <paramref name="text"/>, as (start, length) in its UTF-16 units.</summary>
    public List<(int Start, int Length)> Matches(string text)
    {
        var matches = new List<(int Start, int Length)>();
        if (!HasSurrogatePair(text))
        {
            for (var match = _regex.Match(text); match.Success; match = match.NextMatch())
            {
                if (match.Length > 0)
                {
                    matches.Add((match.Index, match.Length));
                }
            }

            return matches;
        }

        // origin[i]: where stand-in character i starts in text; origin[^1] = text.Length.
        var standIn = new StringBuilder(text.Length);
        var origin = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            origin.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]));
                standIn.Append(StandIns.GetValueOrDefault(category, '\u0378'));
                i++;
            }
            else
            {
                standIn.Append(text[i]);
            }
        }

        origin.Add(text.Length);
        for (var match = _regex.Match(standIn.ToString()); match.Success; match = match.NextMatch())
        {
            if (match.Length > 0)
            {
                var start = origin[match.Index];
                matches.Add((start, origin[match.Index + match.Length] - start));
            }
        }

        return matches;
    }

    private static bool HasSurrogatePair(string text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                return true;
            }
        }

        return false;
    }
}

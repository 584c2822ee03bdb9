using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Qllm.Artifacts.Templates;

/// <summary>
/// Splits a Jinja template into text and the tokens of its tags, with the environment transformers
/// renders chat templates in: <c>trim_blocks</c> and <c>lstrip_blocks</c> on, the trailing newline
/// dropped, <c>-</c> whitespace control, and the <c>{% generation %}</c> markers removed.
/// </summary>
internal static partial class TemplateLexer
{
    private static readonly string[] TwoCharOperators = ["==", "!=", "<=", ">=", "//", "**"];
    private const string OneCharOperators = "+-*/%~<>=()[]{},.:|";

    public static List<TemplateToken> Tokenize(string template, string source)
    {
        var text = Preprocess(template);
        var tokens = new List<TemplateToken>();
        int position = 0;
        bool trimNext = false;
        while (position < text.Length)
        {
            int open = NextTag(text, position);
            var literal = text[position..(open < 0 ? text.Length : open)];
            if (trimNext)
            {
                literal = literal.TrimStart();
            }

            if (open >= 0 && open + 2 < text.Length && text[open + 2] == '-')
            {
                literal = literal.TrimEnd();
            }

            if (literal.Length > 0)
            {
                tokens.Add(new TemplateToken(TemplateTokenKind.Text, literal, position));
            }

            if (open < 0)
            {
                break;
            }

            char kind = text[open + 1];
            position = open + 2 + (open + 2 < text.Length && text[open + 2] == '-' ? 1 : 0);
            if (kind == '#')
            {
                int close = text.IndexOf("#}", position, StringComparison.Ordinal);
                if (close < 0)
                {
                    throw TemplateError.Unsupported(source, $"a comment opened at offset {open} is never closed");
                }

                trimNext = text[close - 1] == '-';
                position = close + 2;
                continue;
            }

            bool expression = kind == '{';
            tokens.Add(new TemplateToken(expression ? TemplateTokenKind.ExpressionOpen : TemplateTokenKind.StatementOpen, text[open..position], open));
            position = LexTag(text, position, expression, tokens, source, out trimNext);
        }

        tokens.Add(new TemplateToken(TemplateTokenKind.End, string.Empty, text.Length));
        return tokens;
    }

    /// <summary>What @huggingface/jinja and Jinja with transformers' settings do before lexing.</summary>
    private static string Preprocess(string template)
    {
        if (template.EndsWith('\n'))
        {
            template = template[..^1];
        }

        template = LeadingBlockWhitespace().Replace(template, "$1");
        template = NewlineAfterBlock().Replace(template, "$1");
        return GenerationMarker().Replace(template, m =>
            (m.Groups[2].Value == "-" ? string.Empty : m.Groups[3].Value));
    }

    private static int NextTag(string text, int from)
    {
        for (int i = text.IndexOf('{', from); i >= 0 && i + 1 < text.Length; i = text.IndexOf('{', i + 1))
        {
            if (text[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    private static int LexTag(string text, int position, bool expression, List<TemplateToken> tokens, string source, out bool trimNext)
    {
        char closing = expression ? '}' : '%';
        int braces = 0;
        while (true)
        {
            while (position < text.Length && char.IsWhiteSpace(text[position]))
            {
                position++;
            }

            if (position >= text.Length)
            {
                throw TemplateError.Unsupported(source, $"a tag is never closed (end of template at offset {position})");
            }

            char c = text[position];
            if (braces == 0 && (Closes(text, position, closing) || (c == '-' && Closes(text, position + 1, closing))))
            {
                trimNext = c == '-';
                int end = position + (trimNext ? 3 : 2);
                tokens.Add(new TemplateToken(expression ? TemplateTokenKind.ExpressionClose : TemplateTokenKind.StatementClose, text[position..end], position));
                return end;
            }

            if (char.IsLetter(c) || c == '_')
            {
                int start = position;
                while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] == '_'))
                {
                    position++;
                }

                tokens.Add(new TemplateToken(TemplateTokenKind.Name, text[start..position], start));
            }
            else if (char.IsAsciiDigit(c))
            {
                position = LexNumber(text, position, tokens);
            }
            else if (c is '\'' or '"')
            {
                position = LexString(text, position, tokens, source);
            }
            else
            {
                var two = position + 1 < text.Length ? text.Substring(position, 2) : string.Empty;
                var op = TwoCharOperators.Contains(two) ? two : OneCharOperators.Contains(c, StringComparison.Ordinal) ? c.ToString() : null;
                if (op is null)
                {
                    throw TemplateError.Unsupported(source, $"unexpected character '{c}' at offset {position}");
                }

                braces += op == "{" ? 1 : op == "}" ? -1 : 0;
                tokens.Add(new TemplateToken(TemplateTokenKind.Operator, op, position));
                position += op.Length;
            }
        }
    }

    private static bool Closes(string text, int position, char closing) =>
        position + 1 < text.Length && text[position] == closing && text[position + 1] == '}';

    private static int LexNumber(string text, int position, List<TemplateToken> tokens)
    {
        int start = position;
        while (position < text.Length && char.IsAsciiDigit(text[position]))
        {
            position++;
        }

        bool isFloat = position + 1 < text.Length && text[position] == '.' && char.IsAsciiDigit(text[position + 1]);
        if (isFloat)
        {
            position++;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }
        }

        tokens.Add(new TemplateToken(isFloat ? TemplateTokenKind.Float : TemplateTokenKind.Integer, text[start..position], start));
        return position;
    }

    private static int LexString(string text, int position, List<TemplateToken> tokens, string source)
    {
        char quote = text[position];
        int start = position++;
        var value = new StringBuilder();
        while (true)
        {
            if (position >= text.Length)
            {
                throw TemplateError.Unsupported(source, $"a string opened at offset {start} is never closed");
            }

            char c = text[position++];
            if (c == quote)
            {
                break;
            }

            if (c != '\\' || position >= text.Length)
            {
                value.Append(c);
                continue;
            }

            char escaped = text[position++];
            switch (escaped)
            {
                case 'n': value.Append('\n'); break;
                case 't': value.Append('\t'); break;
                case 'r': value.Append('\r'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'v': value.Append('\v'); break;
                case 'u' when position + 4 <= text.Length:
                    value.Append((char)int.Parse(text.AsSpan(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    position += 4;
                    break;
                case '\\' or '\'' or '"': value.Append(escaped); break;
                default: value.Append('\\').Append(escaped); break;
            }
        }

        tokens.Add(new TemplateToken(TemplateTokenKind.String, value.ToString(), start));
        return position;
    }

    [GeneratedRegex(@"^[ \t]*(\{[#%-])", RegexOptions.Multiline)]
    private static partial Regex LeadingBlockWhitespace();

    [GeneratedRegex(@"([#%-]\})\n")]
    private static partial Regex NewlineAfterBlock();

    [GeneratedRegex(@"\{%(-?)\s*(?:end)?generation\s*(-?)%\}(\s*)", RegexOptions.Singleline)]
    private static partial Regex GenerationMarker();
}

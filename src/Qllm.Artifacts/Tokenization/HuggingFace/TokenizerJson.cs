using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>Reading the parts of a <c>tokenizer.json</c>, each missing or mistyped part a coded error naming the file.</summary>
internal static class TokenizerJson
{
    /// <summary>A bound on one match, so that a pathological pattern cannot hang encoding.</summary>
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(10);

    public static string Type(JsonElement element, string what, string source) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()!
            : throw TokenizerJsonError.Bad(source, $"the {what} has no \"type\"");

    public static string String(JsonElement element, string name, string source) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw TokenizerJsonError.Bad(source, $"\"{name}\" is missing or not a string");

    public static string? OptionalString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool Bool(JsonElement element, string name, bool absent) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : absent;

    public static JsonElement.ArrayEnumerator Array(JsonElement element, string name, string source) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : throw TokenizerJsonError.Bad(source, $"\"{name}\" is missing or not a list");

    public static JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    /// <summary>A <c>pattern</c> (<c>{"String": ...}</c> or <c>{"Regex": ...}</c>) as a .NET regex.</summary>
    public static Regex Pattern(JsonElement element, string source)
    {
        var pattern = Property(element, "pattern");
        if (OptionalString(pattern, "String") is { } literal)
        {
            return new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant, MatchTimeout);
        }

        if (OptionalString(pattern, "Regex") is not { } regex)
        {
            throw TokenizerJsonError.Bad(source, "a pattern is neither {\"String\": ...} nor {\"Regex\": ...}");
        }

        try
        {
            return new Regex(FoldAsciiCase(regex), RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw TokenizerJsonError.Unsupported(source, $"the regex {regex} ({e.Message})");
        }
    }

    /// <summary>
    /// Rewrites each <c>(?i:...)</c> group of plain literals (the contractions <c>'s|'t|...</c>) to
    /// ASCII case classes (<c>'[sS]|'[tT]|...</c>): .NET's case-insensitive matching also takes
    /// U+017F for s and U+212A for k, which Oniguruma's pattern here, as the reference rewrites it, does not.
    /// </summary>
    internal static string FoldAsciiCase(string regex)
    {
        const string Open = "(?i:";
        var start = regex.IndexOf(Open, StringComparison.Ordinal);
        if (start < 0)
        {
            return regex;
        }

        var end = regex.IndexOf(')', start);
        var body = end < 0 ? "" : regex[(start + Open.Length)..end];
        if (end < 0 || body.AsSpan().IndexOfAny("[\\(") >= 0)
        {
            return regex;
        }

        var folded = new StringBuilder("(?:");
        foreach (var c in body)
        {
            folded.Append(char.IsAsciiLetter(c) ? $"[{char.ToLowerInvariant(c)}{char.ToUpperInvariant(c)}]" : c.ToString());
        }

        folded.Append(')');
        return regex[..start] + folded + FoldAsciiCase(regex[(end + 1)..]);
    }
}

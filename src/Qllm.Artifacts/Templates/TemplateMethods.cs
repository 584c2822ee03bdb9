using System.Globalization;

namespace Qllm.Artifacts.Templates;

/// <summary>The Python methods of strings and dicts that chat templates call (<c>content.strip()</c>, <c>message.get('x')</c>).</summary>
internal static class TemplateMethods
{
    private static readonly HashSet<string> StringMethods =
        ["strip", "lstrip", "rstrip", "startswith", "endswith", "split", "upper", "lower", "title", "capitalize", "replace", "join", "find", "count"];

    private static readonly HashSet<string> DictionaryMethods = ["get", "items", "keys", "values"];

    public static bool Has(object? value, string name) => value switch
    {
        string => StringMethods.Contains(name),
        IReadOnlyDictionary<string, object?> => DictionaryMethods.Contains(name),
        _ => false,
    };

    public static object? Bind(object? value, string name, string source)
    {
        if (!Has(value, name))
        {
            return TemplateUndefined.Value;
        }

        return value is string s
            ? new TemplateFunction(a => CallString(s, name, a))
            : new TemplateFunction(a => CallDictionary((IReadOnlyDictionary<string, object?>)value!, name, a));
    }

    /// <summary>Python's <c>str.strip</c> family: whitespace, or any of the given characters.</summary>
    public static string Strip(string text, object? characters, bool start, bool end)
    {
        Func<char, bool> strips = characters is string set ? set.Contains : char.IsWhiteSpace;
        int from = 0, to = text.Length;
        while (start && from < to && strips(text[from]))
        {
            from++;
        }

        while (end && to > from && strips(text[to - 1]))
        {
            to--;
        }

        return text[from..to];
    }

    private static object? CallString(string text, string name, TemplateArguments a)
    {
        switch (name)
        {
            case "strip": return Strip(text, a.Get(0, "chars"), true, true);
            case "lstrip": return Strip(text, a.Get(0, "chars"), true, false);
            case "rstrip": return Strip(text, a.Get(0, "chars"), false, true);
            case "startswith": return Affixes(a.Get(0, "prefix")).Any(p => text.StartsWith(p, StringComparison.Ordinal));
            case "endswith": return Affixes(a.Get(0, "suffix")).Any(p => text.EndsWith(p, StringComparison.Ordinal));
            case "split": return Split(text, a.Get(0, "sep"), a.Get(1, "maxsplit", -1L), a.Source);
            case "upper": return text.ToUpperInvariant();
            case "lower": return text.ToLowerInvariant();
            case "title": return CultureInfo.InvariantCulture.TextInfo.ToTitleCase(text.ToLowerInvariant());
            case "capitalize": return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();
            case "replace": return text.Replace(Text(a.Get(0, "old")), Text(a.Get(1, "new")), StringComparison.Ordinal);
            case "join": return string.Join(text, TemplateValues.Items(a.Get(0, "iterable"), a.Source).Select(TemplateValues.ToText));
            case "find": return (long)text.IndexOf(Text(a.Get(0, "sub")), StringComparison.Ordinal);
            default: return (long)CountOf(text, Text(a.Get(0, "sub")));
        }
    }

    private static object? CallDictionary(IReadOnlyDictionary<string, object?> dictionary, string name, TemplateArguments a)
    {
        switch (name)
        {
            case "get":
                return a.Get(0, "key") is string key && dictionary.TryGetValue(key, out var value) ? value : a.Get(1, "default");
            case "items":
                return dictionary.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList();
            case "keys":
                return dictionary.Keys.Cast<object?>().ToList();
            default:
                return dictionary.Values.ToList();
        }
    }

    private static List<object?> Split(string text, object? separator, object? maxSplit, string source)
    {
        long limit = maxSplit is long l ? l : -1;
        if (separator is null or TemplateUndefined)
        {
            var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return words.Cast<object?>().ToList();
        }

        if (separator is not string sep || sep.Length == 0)
        {
            throw TemplateError.Unsupported(source, "split needs a non-empty string separator");
        }

        var parts = limit < 0 ? text.Split(sep) : text.Split(sep, (int)limit + 1);
        return parts.Cast<object?>().ToList();
    }

    private static IEnumerable<string> Affixes(object? value) => value switch
    {
        string s => [s],
        IReadOnlyList<object?> list => list.OfType<string>(),
        _ => [],
    };

    private static string Text(object? value) => TemplateValues.ToText(value);

    private static int CountOf(string text, string part)
    {
        if (part.Length == 0)
        {
            return text.Length + 1;
        }

        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

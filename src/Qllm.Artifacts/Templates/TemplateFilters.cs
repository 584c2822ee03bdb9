using System.Globalization;

namespace Qllm.Artifacts.Templates;

/// <summary>The Jinja filters chat templates use (<c>value | trim</c>, <c>messages | length</c>, <c>tools | tojson</c>).</summary>
internal static class TemplateFilters
{
    private static readonly HashSet<string> Names =
    [
        "trim", "length", "count", "tojson", "upper", "lower", "title", "capitalize", "first", "last", "join", "default", "d",
        "string", "int", "float", "list", "reverse", "replace", "items", "safe", "abs", "map", "selectattr", "rejectattr", "unique", "select", "reject",
    ];

    public static bool Exists(string name) => Names.Contains(name);

    public static object? Apply(string name, object? value, TemplateArguments a)
    {
        var source = a.Source;
        switch (name)
        {
            case "trim": return TemplateMethods.Strip(TemplateValues.ToText(value), a.Get(0, "chars"), true, true);
            case "length" or "count": return (long)TemplateValues.Length(value, source);
            case "tojson": return TemplateValues.ToJson(value, a.Get(0, "indent") is long indent ? (int)indent : null);
            case "upper": return TemplateValues.ToText(value).ToUpperInvariant();
            case "lower": return TemplateValues.ToText(value).ToLowerInvariant();
            case "title": return CultureInfo.InvariantCulture.TextInfo.ToTitleCase(TemplateValues.ToText(value).ToLowerInvariant());
            case "capitalize": return TemplateMethods.Bind(TemplateValues.ToText(value), "capitalize", source) is TemplateFunction f ? f(a) : null;
            case "first": return TemplateValues.Items(value, source) is { Count: > 0 } first ? first[0] : TemplateUndefined.Value;
            case "last": return TemplateValues.Items(value, source) is { Count: > 0 } last ? last[^1] : TemplateUndefined.Value;
            case "join": return string.Join(TemplateValues.ToText(a.Get(0, "d", string.Empty)), TemplateValues.Items(value, source).Select(TemplateValues.ToText));
            case "default" or "d":
                bool boolean = TemplateValues.IsTrue(a.Get(1, "boolean", false));
                return value is TemplateUndefined || (boolean && !TemplateValues.IsTrue(value)) ? a.Get(0, "default_value", string.Empty) : value;
            case "string": return TemplateValues.ToText(value);
            case "int": return ToInteger(value);
            case "float": return value is string s && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : TemplateValues.IsNumber(value) ? TemplateValues.ToDouble(value) : 0.0;
            case "list": return TemplateValues.Items(value, source).ToList();
            case "reverse": return value is string text ? new string(text.Reverse().ToArray()) : TemplateValues.Items(value, source).Reverse().ToList();
            case "replace": return TemplateValues.ToText(value).Replace(TemplateValues.ToText(a.Get(0, "old")), TemplateValues.ToText(a.Get(1, "new")), StringComparison.Ordinal);
            case "items": return TemplateMethods.Bind(value, "items", source) is TemplateFunction items ? items(a) : new List<object?>();
            case "safe": return value;
            case "abs": return value is long l ? Math.Abs(l) : Math.Abs(TemplateValues.ToDouble(value));
            case "unique": return Unique(TemplateValues.Items(value, source));
            case "map": return Map(TemplateValues.Items(value, source), a);
            default: return Select(name, TemplateValues.Items(value, source), a);
        }
    }

    private static long ToInteger(object? value) => value switch
    {
        string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        long or double or bool => (long)Math.Truncate(TemplateValues.ToDouble(value)),
        _ => 0L,
    };

    private static List<object?> Unique(IReadOnlyList<object?> items)
    {
        var result = new List<object?>();
        foreach (var item in items.Where(item => !result.Any(seen => TemplateValues.AreEqual(seen, item))))
        {
            result.Add(item);
        }

        return result;
    }

    /// <summary><c>map(attribute='x')</c> or <c>map('filter')</c>.</summary>
    private static List<object?> Map(IReadOnlyList<object?> items, TemplateArguments a)
    {
        if (a.Named.TryGetValue("attribute", out var attribute) && attribute is string name)
        {
            return items.Select(item => TemplateOperations.Attribute(item, name, a.Source)).ToList();
        }

        if (a.Get(0, "filter") is string filter && Exists(filter))
        {
            var rest = new TemplateArguments(a.Positional.Skip(1).ToList(), TemplateArguments.NoNames, a.Source);
            return items.Select(item => Apply(filter, item, rest)).ToList();
        }

        throw TemplateError.Unsupported(a.Source, "map needs attribute='name' or a known filter");
    }

    /// <summary><c>selectattr('x')</c>, <c>selectattr('x', 'equalto', v)</c>, <c>rejectattr</c>, <c>select</c>, <c>reject</c>.</summary>
    private static List<object?> Select(string name, IReadOnlyList<object?> items, TemplateArguments a)
    {
        bool byAttribute = name.EndsWith("attr", StringComparison.Ordinal);
        bool keep = name.StartsWith("select", StringComparison.Ordinal);
        int testIndex = byAttribute ? 1 : 0;
        var attribute = byAttribute ? TemplateValues.ToText(a.Get(0, "attribute")) : null;
        var test = a.Positional.Count > testIndex ? TemplateValues.ToText(a.Positional[testIndex]) : null;
        if (test is not null && !TemplateTests.Exists(test))
        {
            throw TemplateError.Unsupported(a.Source, $"unknown test '{test}'");
        }

        var testArguments = new TemplateArguments(a.Positional.Skip(testIndex + 1).ToList(), TemplateArguments.NoNames, a.Source);
        return items.Where(item =>
        {
            var subject = attribute is null ? item : TemplateOperations.Attribute(item, attribute, a.Source);
            bool passes = test is null ? TemplateValues.IsTrue(subject) : TemplateTests.Apply(test, subject, testArguments);
            return passes == keep;
        }).ToList();
    }
}

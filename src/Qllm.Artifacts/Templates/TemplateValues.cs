using System.Collections;
using System.Globalization;
using System.Text;

namespace Qllm.Artifacts.Templates;

/// <summary>
/// Python's semantics for the values a template sees: none (null), undefined, bool, int (long),
/// float (double), str, list and dict (ordered), namespaces and functions.
/// </summary>
internal static class TemplateValues
{
    /// <summary>Converts a caller's value (ints, lists, dictionaries of any element type) to the template's kinds.</summary>
    public static object? FromClr(object? value) => value switch
    {
        null or string or bool or long or double or TemplateUndefined or TemplateNamespace or TemplateFunction => value,
        int or short or byte or sbyte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        float or decimal => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        IDictionary dictionary => FromDictionary(dictionary),
        IEnumerable<KeyValuePair<string, object?>> pairs => pairs.ToDictionary(p => p.Key, p => FromClr(p.Value), StringComparer.Ordinal),
        IEnumerable<KeyValuePair<string, string>> pairs => pairs.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
        IEnumerable items => items.Cast<object?>().Select(FromClr).ToList(),
        _ => value.ToString(),
    };

    public static bool IsTrue(object? value) => value switch
    {
        null or TemplateUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        IReadOnlyList<object?> list => list.Count > 0,
        IReadOnlyDictionary<string, object?> dictionary => dictionary.Count > 0,
        _ => true,
    };

    /// <summary>What <c>{{ value }}</c> writes (Python's <c>str</c>).</summary>
    public static string ToText(object? value) => value switch
    {
        string s => s,
        TemplateUndefined => string.Empty,
        _ => Repr(value),
    };

    /// <summary>Python's <c>repr</c>, as lists and dictionaries print their items.</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        TemplateUndefined => string.Empty,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatText(d),
        string s => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "'",
        IReadOnlyList<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        IReadOnlyDictionary<string, object?> dictionary => "{" + string.Join(", ", dictionary.Select(p => Repr(p.Key) + ": " + Repr(p.Value))) + "}",
        TemplateNamespace => "<Namespace>",
        _ => value.ToString() ?? string.Empty,
    };

    public static string FloatText(double value) =>
        double.IsFinite(value) && value == Math.Floor(value) && Math.Abs(value) < 1e16
            ? value.ToString("0.0", CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => double.NaN,
    };

    public static bool AreEqual(object? left, object? right)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return ToDouble(left) == ToDouble(right);
        }

        return (left, right) switch
        {
            (null, null) => true,
            (TemplateUndefined, TemplateUndefined) => true,
            (string a, string b) => a == b,
            (IReadOnlyList<object?> a, IReadOnlyList<object?> b) => a.Count == b.Count && a.Zip(b).All(p => AreEqual(p.First, p.Second)),
            (IReadOnlyDictionary<string, object?> a, IReadOnlyDictionary<string, object?> b) =>
                a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var other) && AreEqual(p.Value, other)),
            _ => ReferenceEquals(left, right),
        };
    }

    /// <summary>Orders two numbers or two strings (Python refuses other pairs).</summary>
    public static int Compare(object? left, object? right, string source)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return ToDouble(left).CompareTo(ToDouble(right));
        }

        if (left is string a && right is string b)
        {
            return string.CompareOrdinal(a, b);
        }

        throw TemplateError.Unsupported(source, $"cannot order {TypeName(left)} and {TypeName(right)}");
    }

    public static bool Contains(object? container, object? item, string source) => container switch
    {
        string s when item is string part => s.Contains(part, StringComparison.Ordinal),
        IReadOnlyList<object?> list => list.Any(x => AreEqual(x, item)),
        IReadOnlyDictionary<string, object?> dictionary => item is string key && dictionary.ContainsKey(key),
        TemplateUndefined => false,
        _ => throw TemplateError.Unsupported(source, $"'in' needs a string, list or dict on its right, not {TypeName(container)}"),
    };

    public static int Length(object? value, string source) => value switch
    {
        string s => s.Length,
        IReadOnlyList<object?> list => list.Count,
        IReadOnlyDictionary<string, object?> dictionary => dictionary.Count,
        TemplateUndefined => 0,
        _ => throw TemplateError.Unsupported(source, $"{TypeName(value)} has no length"),
    };

    /// <summary>The items a <c>for</c> loop or a filter walks: a list's items, a string's characters, a dict's keys.</summary>
    public static IReadOnlyList<object?> Items(object? value, string source) => value switch
    {
        IReadOnlyList<object?> list => list,
        string s => s.Select(c => (object?)c.ToString()).ToList(),
        IReadOnlyDictionary<string, object?> dictionary => dictionary.Keys.Cast<object?>().ToList(),
        TemplateUndefined or null => [],
        _ => throw TemplateError.Unsupported(source, $"{TypeName(value)} is not iterable"),
    };

    public static string TypeName(object? value) => value switch
    {
        null => "none",
        TemplateUndefined => "undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        IReadOnlyList<object?> => "list",
        IReadOnlyDictionary<string, object?> => "dict",
        TemplateNamespace => "namespace",
        TemplateFunction => "function",
        _ => value.GetType().Name,
    };

    /// <summary><c>json.dumps</c> as transformers' <c>tojson</c> calls it (non-ASCII kept, keys in order).</summary>
    public static string ToJson(object? value, int? indent, int depth = 0)
    {
        switch (value)
        {
            case null or TemplateUndefined:
                return "null";
            case bool b:
                return b ? "true" : "false";
            case long or double:
                return value is double d ? FloatText(d) : Repr(value);
            case string s:
                return JsonString(s);
            case IReadOnlyList<object?> list:
                return Container("[", "]", list.Select(item => ToJson(item, indent, depth + 1)).ToList(), indent, depth);
            case IReadOnlyDictionary<string, object?> dictionary:
                return Container("{", "}", dictionary.Select(p => JsonString(p.Key) + ": " + ToJson(p.Value, indent, depth + 1)).ToList(), indent, depth);
            default:
                return JsonString(ToText(value));
        }
    }

    private static string Container(string open, string close, List<string> items, int? indent, int depth)
    {
        if (items.Count == 0)
        {
            return open + close;
        }

        if (indent is not int width)
        {
            return open + string.Join(", ", items) + close;
        }

        var inner = "\n" + new string(' ', width * (depth + 1));
        return open + inner + string.Join("," + inner, items) + "\n" + new string(' ', width * depth) + close;
    }

    private static string JsonString(string s)
    {
        var builder = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case < ' ': builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }

        return builder.Append('"').ToString();
    }

    private static Dictionary<string, object?> FromDictionary(IDictionary dictionary)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dictionary)
        {
            result[entry.Key.ToString() ?? string.Empty] = FromClr(entry.Value);
        }

        return result;
    }
}

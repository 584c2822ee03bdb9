namespace Qllm.Artifacts.Templates;

/// <summary>The Jinja tests of <c>x is defined</c>, <c>x is none</c>, <c>x is string</c> and the like.</summary>
internal static class TemplateTests
{
    private static readonly HashSet<string> Names =
    [
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "true", "false", "mapping",
        "sequence", "iterable", "even", "odd", "equalto", "eq", "==", "ne", "!=", "callable", "lower", "upper", "in",
    ];

    public static bool Exists(string name) => Names.Contains(name);

    public static bool Apply(string name, object? value, TemplateArguments a) => name switch
    {
        "defined" => value is not TemplateUndefined,
        "undefined" => value is TemplateUndefined,
        "none" => value is null,
        "string" => value is string,
        "number" => value is long or double,
        "integer" => value is long,
        "float" => value is double,
        "boolean" => value is bool,
        "true" => value is true,
        "false" => value is false,
        "mapping" => value is IReadOnlyDictionary<string, object?>,
        "sequence" or "iterable" => value is string or IReadOnlyList<object?> or IReadOnlyDictionary<string, object?>,
        "even" => value is long even && even % 2 == 0,
        "odd" => value is long odd && odd % 2 != 0,
        "equalto" or "eq" or "==" => TemplateValues.AreEqual(value, a.Get(0, "other")),
        "ne" or "!=" => !TemplateValues.AreEqual(value, a.Get(0, "other")),
        "callable" => value is TemplateFunction,
        "lower" => value is string lower && string.Equals(lower, lower.ToLowerInvariant(), StringComparison.Ordinal),
        "upper" => value is string upper && string.Equals(upper, upper.ToUpperInvariant(), StringComparison.Ordinal),
        _ => TemplateValues.Contains(a.Get(0, "seq"), value, a.Source),
    };
}

namespace Qllm.Artifacts.Templates;

/// <summary>The operators of expressions, with Python's semantics: arithmetic, indexing and slicing.</summary>
internal static class TemplateOperations
{
    public static object? Binary(string op, object? left, object? right, string source)
    {
        if (op == "~")
        {
            return TemplateValues.ToText(left) + TemplateValues.ToText(right);
        }

        if (op == "+")
        {
            switch (left, right)
            {
                case (string a, string b):
                    return a + b;
                case (IReadOnlyList<object?> a, IReadOnlyList<object?> b):
                    return a.Concat(b).ToList();
            }
        }

        if (op == "*" && left is string text && right is long times)
        {
            return string.Concat(Enumerable.Repeat(text, (int)Math.Max(0, times)));
        }

        if (!TemplateValues.IsNumber(left) || !TemplateValues.IsNumber(right))
        {
            throw TemplateError.Unsupported(source, $"'{op}' between {TemplateValues.TypeName(left)} and {TemplateValues.TypeName(right)}");
        }

        bool integers = left is long or bool && right is long or bool;
        if (integers && op is "+" or "-" or "*" or "//" or "%")
        {
            long a = (long)TemplateValues.ToDouble(left), b = (long)TemplateValues.ToDouble(right);
            if (op is "//" or "%" && b == 0)
            {
                throw TemplateError.Unsupported(source, "division by zero");
            }

            return op switch
            {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "//" => (long)Math.Floor((double)a / b),
                _ => ((a % b) + b) % b,
            };
        }

        double x = TemplateValues.ToDouble(left), y = TemplateValues.ToDouble(right);
        return op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => x / y,
            "//" => Math.Floor(x / y),
            "%" => x - (y * Math.Floor(x / y)),
            _ => Math.Pow(x, y),
        };
    }

    /// <summary><c>value[key]</c>: a dict's item, a list's or string's element (negative from the end); undefined when absent.</summary>
    public static object? Index(object? value, object? key, string source)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> dictionary:
                return key is string name && dictionary.TryGetValue(name, out var item) ? item : TemplateUndefined.Value;
            case TemplateNamespace space:
                return key is string attribute && space.Attributes.TryGetValue(attribute, out var found) ? found : TemplateUndefined.Value;
            case IReadOnlyList<object?> or string when key is long or bool:
                return Element(value, (long)TemplateValues.ToDouble(key));
            case IReadOnlyList<object?> or string when key is string method:
                return TemplateMethods.Bind(value, method, source);
            case TemplateUndefined or null:
                throw TemplateError.Unsupported(source, $"cannot look up {TemplateValues.Repr(key)} in {TemplateValues.TypeName(value)}");
            default:
                return TemplateUndefined.Value;
        }
    }

    /// <summary><c>value.name</c>: a method (of a str or dict) first, as Python's getattr, then the item.</summary>
    public static object? Attribute(object? value, string name, string source)
    {
        if (value is string or IReadOnlyDictionary<string, object?> && TemplateMethods.Has(value, name))
        {
            return TemplateMethods.Bind(value, name, source);
        }

        return Index(value, name, source);
    }

    public static object? Slice(object? value, object? start, object? stop, object? step, string source)
    {
        long stride = step is TemplateUndefined or null ? 1 : (long)TemplateValues.ToDouble(step);
        if (stride == 0)
        {
            throw TemplateError.Unsupported(source, "a slice step cannot be zero");
        }

        var items = value switch
        {
            IReadOnlyList<object?> list => list,
            string s => s.Select(c => (object?)c.ToString()).ToList(),
            _ => throw TemplateError.Unsupported(source, $"cannot slice {TemplateValues.TypeName(value)}"),
        };
        long length = items.Count;
        long from = Bound(start, stride > 0 ? 0 : length - 1, length, stride);
        long to = Bound(stop, stride > 0 ? length : -1, length, stride);
        var result = new List<object?>();
        for (long i = from; stride > 0 ? i < to : i > to; i += stride)
        {
            result.Add(items[(int)i]);
        }

        return value is string ? string.Concat(result.Cast<string>()) : result;
    }

    private static long Bound(object? given, long absent, long length, long stride)
    {
        if (given is TemplateUndefined or null)
        {
            return absent;
        }

        long index = (long)TemplateValues.ToDouble(given);
        if (index < 0)
        {
            index += length;
        }

        return stride > 0 ? Math.Clamp(index, 0, length) : Math.Clamp(index, -1, length - 1);
    }

    private static object? Element(object value, long index)
    {
        int count = value is string s ? s.Length : ((IReadOnlyList<object?>)value).Count;
        if (index < 0)
        {
            index += count;
        }

        if (index < 0 || index >= count)
        {
            return TemplateUndefined.Value;
        }

        return value is string text ? text[(int)index].ToString() : ((IReadOnlyList<object?>)value)[(int)index];
    }
}

using System.Globalization;
using Qllm.Core.Errors;
using Expression = System.Func<Qllm.Artifacts.Templates.TemplateContext, object?>;

namespace Qllm.Artifacts.Templates;

/// <summary>
/// Parses Jinja expressions with Jinja's precedence (conditional, or, and, not, comparisons and
/// <c>in</c>, + -, ~, * / // %, **, unary minus, then postfix: attributes, subscripts and slices,
/// calls, filters and <c>is</c> tests) and compiles them to delegates. Filters and tests are checked
/// against the supported ones here, so an unknown one fails before anything is rendered.
/// </summary>
internal sealed class TemplateExpressionParser(List<TemplateToken> tokens, string source)
{
    private static readonly string[] Comparisons = ["==", "!=", "<", ">", "<=", ">="];
    private int _index;

    public TemplateToken Peek => tokens[_index];

    public TemplateToken Next() => tokens[Math.Min(_index++, tokens.Count - 1)];

    public bool Accept(TemplateTokenKind kind, string value)
    {
        if (!Peek.Is(kind, value))
        {
            return false;
        }

        _index++;
        return true;
    }

    public bool AcceptName(string name) => Accept(TemplateTokenKind.Name, name);

    public void ExpectName(string name)
    {
        if (!AcceptName(name))
        {
            throw Unexpected($"'{name}'");
        }
    }

    public TemplateToken Expect(TemplateTokenKind kind, string what)
    {
        if (Peek.Kind != kind || (kind == TemplateTokenKind.Operator && Peek.Value != what))
        {
            throw Unexpected(what);
        }

        return Next();
    }

    public Expression ParseExpression(bool allowConditional = true)
    {
        var value = ParseOr();
        if (!allowConditional || !AcceptName("if"))
        {
            return value;
        }

        var condition = ParseOr();
        Expression otherwise = AcceptName("else") ? ParseExpression() : _ => TemplateUndefined.Value;
        return c => TemplateValues.IsTrue(condition(c)) ? value(c) : otherwise(c);
    }

    private QllmException Unexpected(string expected) =>
        TemplateError.Unsupported(source, $"expected {expected} at offset {Peek.Offset}, found {(Peek.Kind == TemplateTokenKind.End ? "the end" : $"'{Peek.Value}'")}");

    private Expression ParseOr()
    {
        var left = ParseAnd();
        while (AcceptName("or"))
        {
            var (a, b) = (left, ParseAnd());
            left = c => a(c) is var x && TemplateValues.IsTrue(x) ? x : b(c);
        }

        return left;
    }

    private Expression ParseAnd()
    {
        var left = ParseNot();
        while (AcceptName("and"))
        {
            var (a, b) = (left, ParseNot());
            left = c => a(c) is var x && !TemplateValues.IsTrue(x) ? x : b(c);
        }

        return left;
    }

    private Expression ParseNot()
    {
        if (AcceptName("not"))
        {
            var operand = ParseNot();
            return c => !TemplateValues.IsTrue(operand(c));
        }

        return ParseComparison();
    }

    private Expression ParseComparison()
    {
        var left = ParseMath1();
        while (true)
        {
            var a = left;
            if (Peek.Kind == TemplateTokenKind.Operator && Comparisons.Contains(Peek.Value))
            {
                var op = Next().Value;
                var b = ParseMath1();
                left = c => Compare(op, a(c), b(c));
            }
            else if (AcceptName("in"))
            {
                var b = ParseMath1();
                left = c => TemplateValues.Contains(b(c), a(c), source);
            }
            else if (Peek.IsName("not") && tokens[_index + 1].IsName("in"))
            {
                _index += 2;
                var b = ParseMath1();
                left = c => !TemplateValues.Contains(b(c), a(c), source);
            }
            else
            {
                return left;
            }
        }
    }

    private bool Compare(string op, object? x, object? y) => op switch
    {
        "==" => TemplateValues.AreEqual(x, y),
        "!=" => !TemplateValues.AreEqual(x, y),
        "<" => TemplateValues.Compare(x, y, source) < 0,
        ">" => TemplateValues.Compare(x, y, source) > 0,
        "<=" => TemplateValues.Compare(x, y, source) <= 0,
        _ => TemplateValues.Compare(x, y, source) >= 0,
    };

    private Expression ParseMath1() => ParseBinary(ParseConcat, "+", "-");

    private Expression ParseConcat() => ParseBinary(ParseMath2, "~");

    private Expression ParseMath2() => ParseBinary(ParsePower, "*", "/", "//", "%");

    private Expression ParsePower() => ParseBinary(ParseUnary, "**");

    private Expression ParseBinary(Func<Expression> operand, params string[] operators)
    {
        var left = operand();
        while (Peek.Kind == TemplateTokenKind.Operator && operators.Contains(Peek.Value))
        {
            var op = Next().Value;
            var (a, b) = (left, operand());
            left = c => TemplateOperations.Binary(op, a(c), b(c), source);
        }

        return left;
    }

    private Expression ParseUnary()
    {
        if (Accept(TemplateTokenKind.Operator, "-"))
        {
            var operand = ParseUnary();
            return c => TemplateOperations.Binary("-", 0L, operand(c), source);
        }

        if (Accept(TemplateTokenKind.Operator, "+"))
        {
            return ParseUnary();
        }

        return ParsePostfix(ParsePrimary());
    }

    private Expression ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TemplateTokenKind.String:
                var text = token.Value;
                while (Peek.Kind == TemplateTokenKind.String)
                {
                    text += Next().Value;
                }

                return _ => text;
            case TemplateTokenKind.Integer:
                object? integer = long.Parse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture);
                return _ => integer;
            case TemplateTokenKind.Float:
                object? real = double.Parse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture);
                return _ => real;
            case TemplateTokenKind.Name:
                return Name(token.Value);
            case TemplateTokenKind.Operator when token.Value == "(":
                return ParseParenthesized();
            case TemplateTokenKind.Operator when token.Value == "[":
                var items = ParseList("]");
                return c => items.Select(item => item(c)).ToList();
            case TemplateTokenKind.Operator when token.Value == "{":
                return ParseDictionary();
            default:
                _index--;
                throw Unexpected("an expression");
        }
    }

    private static Expression Name(string name) => name switch
    {
        "true" or "True" => _ => true,
        "false" or "False" => _ => false,
        "none" or "None" => _ => null,
        _ => c => c.Lookup(name),
    };

    private Expression ParseParenthesized()
    {
        var first = ParseExpression();
        if (Accept(TemplateTokenKind.Operator, ")"))
        {
            return first;
        }

        // A tuple: Jinja's (a, b) behaves as a list here.
        Expect(TemplateTokenKind.Operator, ",");
        var items = new List<Expression> { first };
        items.AddRange(ParseList(")"));
        return c => items.Select(item => item(c)).ToList();
    }

    /// <summary>Comma-separated expressions up to <paramref name="close"/> (consumed); a trailing comma is allowed.</summary>
    private List<Expression> ParseList(string close)
    {
        var items = new List<Expression>();
        while (!Accept(TemplateTokenKind.Operator, close))
        {
            items.Add(ParseExpression());
            if (!Accept(TemplateTokenKind.Operator, ","))
            {
                Expect(TemplateTokenKind.Operator, close);
                break;
            }
        }

        return items;
    }

    private Expression ParseDictionary()
    {
        var entries = new List<(Expression Key, Expression Value)>();
        while (!Accept(TemplateTokenKind.Operator, "}"))
        {
            var key = ParseExpression();
            Expect(TemplateTokenKind.Operator, ":");
            entries.Add((key, ParseExpression()));
            if (!Accept(TemplateTokenKind.Operator, ","))
            {
                Expect(TemplateTokenKind.Operator, "}");
                break;
            }
        }

        return c =>
        {
            var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, value) in entries)
            {
                dictionary[TemplateValues.ToText(key(c))] = value(c);
            }

            return dictionary;
        };
    }

    private Expression ParsePostfix(Expression value)
    {
        while (true)
        {
            var target = value;
            if (Accept(TemplateTokenKind.Operator, "."))
            {
                var name = Expect(TemplateTokenKind.Name, "an attribute name").Value;
                value = c => TemplateOperations.Attribute(target(c), name, source);
            }
            else if (Accept(TemplateTokenKind.Operator, "["))
            {
                value = ParseSubscript(target);
            }
            else if (Accept(TemplateTokenKind.Operator, "("))
            {
                var arguments = ParseArguments();
                value = c => Call(target(c), arguments(c));
            }
            else if (Accept(TemplateTokenKind.Operator, "|"))
            {
                value = ParseFilter(target);
            }
            else if (AcceptName("is"))
            {
                value = ParseTest(target);
            }
            else
            {
                return value;
            }
        }
    }

    private Expression ParseSubscript(Expression target)
    {
        Expression? Part() => Peek.IsOperator(":") || Peek.IsOperator("]") ? null : ParseExpression();
        var start = Part();
        if (Accept(TemplateTokenKind.Operator, "]"))
        {
            var key = start!;
            return c => TemplateOperations.Index(target(c), key(c), source);
        }

        Expect(TemplateTokenKind.Operator, ":");
        var stop = Part();
        var step = Accept(TemplateTokenKind.Operator, ":") ? Part() : null;
        Expect(TemplateTokenKind.Operator, "]");
        return c => TemplateOperations.Slice(target(c), start?.Invoke(c), stop?.Invoke(c), step?.Invoke(c), source);
    }

    /// <summary>After '(': positional and name=value arguments up to ')'.</summary>
    private Func<TemplateContext, TemplateArguments> ParseArguments()
    {
        var positional = new List<Expression>();
        var named = new List<(string Name, Expression Value)>();
        while (!Accept(TemplateTokenKind.Operator, ")"))
        {
            if (Peek.Kind == TemplateTokenKind.Name && tokens[_index + 1].IsOperator("="))
            {
                var name = Next().Value;
                _index++;
                named.Add((name, ParseExpression()));
            }
            else
            {
                positional.Add(ParseExpression());
            }

            if (!Accept(TemplateTokenKind.Operator, ","))
            {
                Expect(TemplateTokenKind.Operator, ")");
                break;
            }
        }

        return c => new TemplateArguments(
            positional.Select(p => p(c)).ToList(),
            named.ToDictionary(n => n.Name, n => n.Value(c), StringComparer.Ordinal),
            source);
    }

    private object? Call(object? function, TemplateArguments arguments) => function is TemplateFunction f
        ? f(arguments)
        : throw TemplateError.Unsupported(source, $"{TemplateValues.TypeName(function)} is not callable (an unknown function or method?)");

    private Expression ParseFilter(Expression target)
    {
        var token = Expect(TemplateTokenKind.Name, "a filter name");
        if (!TemplateFilters.Exists(token.Value))
        {
            throw TemplateError.Unsupported(source, $"the filter '{token.Value}' at offset {token.Offset} is outside the supported subset");
        }

        var name = token.Value;
        var arguments = Accept(TemplateTokenKind.Operator, "(") ? ParseArguments() : c => new TemplateArguments([], TemplateArguments.NoNames, source);
        return c => TemplateFilters.Apply(name, target(c), arguments(c));
    }

    private Expression ParseTest(Expression target)
    {
        bool negated = AcceptName("not");
        var token = Next();
        var name = token.Value;
        if (token.Kind is not (TemplateTokenKind.Name or TemplateTokenKind.Operator) || !TemplateTests.Exists(name))
        {
            throw TemplateError.Unsupported(source, $"the test '{name}' at offset {token.Offset} is outside the supported subset");
        }

        Func<TemplateContext, TemplateArguments> arguments = c => new TemplateArguments([], TemplateArguments.NoNames, source);
        if (Accept(TemplateTokenKind.Operator, "("))
        {
            arguments = ParseArguments();
        }
        else if (Peek.Kind is TemplateTokenKind.String or TemplateTokenKind.Integer or TemplateTokenKind.Float
                 || (Peek.Kind == TemplateTokenKind.Name && name is "equalto" or "eq" or "ne" or "in" or "==" or "!="))
        {
            var argument = ParsePrimary();
            arguments = c => new TemplateArguments([argument(c)], TemplateArguments.NoNames, source);
        }

        return c => TemplateTests.Apply(name, target(c), arguments(c)) != negated;
    }
}

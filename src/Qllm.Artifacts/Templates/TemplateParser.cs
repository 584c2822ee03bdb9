using Statement = System.Action<Qllm.Artifacts.Templates.TemplateContext>;

namespace Qllm.Artifacts.Templates;

/// <summary>
/// Parses a template's statements (if/elif/else, for with loop.* and else, set, break/continue) and
/// compiles them to delegates; <see cref="TemplateExpressionParser"/> does the expressions. Any other
/// statement (macro, call, include, extends...) is refused here, before anything is rendered.
/// </summary>
internal sealed class TemplateParser
{
    private readonly TemplateExpressionParser _expressions;
    private readonly string _source;

    private TemplateParser(List<TemplateToken> tokens, string source)
    {
        _expressions = new TemplateExpressionParser(tokens, source);
        _source = source;
    }

    private TemplateExpressionParser T => _expressions;

    public static Statement Parse(string template, string source)
    {
        var parser = new TemplateParser(TemplateLexer.Tokenize(template, source), source);
        var (body, end) = parser.ParseBlock();
        if (end is not null)
        {
            throw TemplateError.Unsupported(source, $"'{{% {end} %}}' without an opening statement");
        }

        return body;
    }

    /// <summary>Statements up to one of <paramref name="terminators"/> (its name consumed, the rest of its tag not) or the end.</summary>
    private (Statement Body, string? Terminator) ParseBlock(params string[] terminators)
    {
        var statements = new List<Statement>();
        while (true)
        {
            var token = T.Next();
            switch (token.Kind)
            {
                case TemplateTokenKind.Text:
                    var text = token.Value;
                    statements.Add(c => c.Output.Append(text));
                    break;
                case TemplateTokenKind.ExpressionOpen:
                    var expression = T.ParseExpression();
                    T.Expect(TemplateTokenKind.ExpressionClose, "}}");
                    statements.Add(c => c.Output.Append(TemplateValues.ToText(expression(c))));
                    break;
                case TemplateTokenKind.StatementOpen:
                    var name = T.Expect(TemplateTokenKind.Name, "a statement").Value;
                    if (terminators.Contains(name))
                    {
                        return (Sequence(statements), name);
                    }

                    statements.Add(ParseStatement(name, token.Offset));
                    break;
                case TemplateTokenKind.End when terminators.Length == 0:
                    return (Sequence(statements), null);
                default:
                    throw TemplateError.Unsupported(_source, token.Kind == TemplateTokenKind.End
                        ? $"the template ends where '{{% {terminators[^1]} %}}' is expected"
                        : $"unexpected '{token.Value}' at offset {token.Offset}");
            }
        }
    }

    private static Statement Sequence(List<Statement> statements) => c =>
    {
        foreach (var statement in statements)
        {
            statement(c);
            if (c.LoopControl is not null)
            {
                return;
            }
        }
    };

    private Statement ParseStatement(string name, int offset)
    {
        switch (name)
        {
            case "if":
                return ParseIf();
            case "for":
                return ParseFor();
            case "set":
                return ParseSet();
            case "break" or "continue":
                T.Expect(TemplateTokenKind.StatementClose, "%}");
                return c => c.LoopControl = name;
            default:
                throw TemplateError.Unsupported(_source, $"the statement '{{% {name} %}}' at offset {offset} is outside the supported subset (if, for, set, break, continue)");
        }
    }

    private Statement ParseIf()
    {
        var condition = T.ParseExpression();
        T.Expect(TemplateTokenKind.StatementClose, "%}");
        var (then, end) = ParseBlock("elif", "else", "endif");
        Statement otherwise = _ => { };
        if (end == "elif")
        {
            otherwise = ParseIf();
        }
        else if (end == "else")
        {
            T.Expect(TemplateTokenKind.StatementClose, "%}");
            (otherwise, _) = ParseBlock("endif");
            T.Expect(TemplateTokenKind.StatementClose, "%}");
        }
        else
        {
            T.Expect(TemplateTokenKind.StatementClose, "%}");
        }

        return c =>
        {
            if (TemplateValues.IsTrue(condition(c)))
            {
                then(c);
            }
            else
            {
                otherwise(c);
            }
        };
    }

    private Statement ParseFor()
    {
        var targets = new List<string> { T.Expect(TemplateTokenKind.Name, "a loop variable").Value };
        while (T.Accept(TemplateTokenKind.Operator, ","))
        {
            targets.Add(T.Expect(TemplateTokenKind.Name, "a loop variable").Value);
        }

        T.ExpectName("in");
        var iterable = T.ParseExpression(allowConditional: false);
        var filter = T.AcceptName("if") ? T.ParseExpression(allowConditional: false) : null;
        if (T.AcceptName("recursive"))
        {
            throw TemplateError.Unsupported(_source, "recursive loops are outside the supported subset");
        }

        T.Expect(TemplateTokenKind.StatementClose, "%}");
        var (body, end) = ParseBlock("else", "endfor");
        Statement? otherwise = null;
        T.Expect(TemplateTokenKind.StatementClose, "%}");
        if (end == "else")
        {
            (otherwise, _) = ParseBlock("endfor");
            T.Expect(TemplateTokenKind.StatementClose, "%}");
        }

        return c => RunLoop(c, targets, iterable, filter, body, otherwise);
    }

    private void RunLoop(TemplateContext c, List<string> targets, Func<TemplateContext, object?> iterable, Func<TemplateContext, object?>? filter, Statement body, Statement? otherwise)
    {
        var all = TemplateValues.Items(iterable(c), _source);
        var items = new List<object?>();
        foreach (var item in all)
        {
            c.Push();
            Bind(c, targets, item);
            bool kept = filter is null || TemplateValues.IsTrue(filter(c));
            c.Pop();
            if (kept)
            {
                items.Add(item);
            }
        }

        for (int i = 0; i < items.Count; i++)
        {
            c.Push();
            Bind(c, targets, items[i]);
            c.Assign("loop", TemplateLoop.Create(items, i));
            body(c);
            c.Pop();
            var control = c.LoopControl;
            c.LoopControl = null;
            if (control == "break")
            {
                break;
            }
        }

        if (items.Count == 0 && otherwise is not null)
        {
            otherwise(c);
        }
    }

    private void Bind(TemplateContext c, List<string> targets, object? item)
    {
        if (targets.Count == 1)
        {
            c.Assign(targets[0], item);
            return;
        }

        var parts = TemplateValues.Items(item, _source);
        if (parts.Count != targets.Count)
        {
            throw TemplateError.Unsupported(_source, $"cannot unpack {parts.Count} values into {targets.Count} loop variables");
        }

        for (int i = 0; i < targets.Count; i++)
        {
            c.Assign(targets[i], parts[i]);
        }
    }

    private Statement ParseSet()
    {
        var name = T.Expect(TemplateTokenKind.Name, "a variable").Value;
        string? attribute = T.Accept(TemplateTokenKind.Operator, ".") ? T.Expect(TemplateTokenKind.Name, "an attribute").Value : null;
        if (!T.Accept(TemplateTokenKind.Operator, "="))
        {
            // {% set x %}...{% endset %}: the block's output becomes the value.
            T.Expect(TemplateTokenKind.StatementClose, "%}");
            var (block, _) = ParseBlock("endset");
            T.Expect(TemplateTokenKind.StatementClose, "%}");
            return c =>
            {
                int start = c.Output.Length;
                block(c);
                var captured = c.Output.ToString(start, c.Output.Length - start);
                c.Output.Length = start;
                Store(c, name, attribute, captured);
            };
        }

        var value = T.ParseExpression();
        T.Expect(TemplateTokenKind.StatementClose, "%}");
        return c => Store(c, name, attribute, value(c));
    }

    private void Store(TemplateContext c, string name, string? attribute, object? value)
    {
        if (attribute is null)
        {
            c.Assign(name, value);
            return;
        }

        if (c.Lookup(name) is not TemplateNamespace space)
        {
            throw TemplateError.Unsupported(_source, $"'{{% set {name}.{attribute} %}}' needs {name} to be a namespace()");
        }

        space.Attributes[attribute] = value;
    }
}

using Qllm.Core.Errors;

namespace Qllm.Artifacts.Templates;

/// <summary>
/// A Hugging Face chat template (<c>chat_template</c> of <c>tokenizer_config.json</c>), rendered as
/// transformers renders it: a Jinja subset evaluated here, in the environment transformers uses
/// (<c>trim_blocks</c>, <c>lstrip_blocks</c>, <c>raise_exception</c>, <c>namespace</c>). The subset:
/// if/elif/else, for (with <c>loop.*</c>, filters and else), set (also on a namespace, and as a
/// block), break/continue; expressions with Python's operators, slicing, string and dict methods,
/// the common filters and tests. A template outside it is refused when it is parsed, with
/// <see cref="ErrorCodes.BadChatTemplate"/> naming the construct, never rendered partly.
/// </summary>
public sealed class ChatPromptTemplate
{
    private readonly Action<TemplateContext> _render;

    private ChatPromptTemplate(string text, string source, Action<TemplateContext> render)
    {
        Text = text;
        Source = source;
        _render = render;
    }

    /// <summary>The template's Jinja text.</summary>
    public string Text { get; }

    /// <summary>Where the template came from, for errors.</summary>
    public string Source { get; }

    /// <summary>Parses a template.</summary>
    /// <param name="template">The Jinja text.</param>
    /// <param name="source">Where it came from (the <c>tokenizer_config.json</c> or artifact), named in errors.</param>
    /// <exception cref="QllmException">The template has a syntax error or a construct outside the supported subset (<see cref="ErrorCodes.BadChatTemplate"/>).</exception>
    public static ChatPromptTemplate Parse(string template, string source)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(source);
        return new ChatPromptTemplate(template, source, TemplateParser.Parse(template, source));
    }

    /// <summary>
    /// Renders the template with <paramref name="variables"/>: <c>messages</c> (a list of dictionaries
    /// with <c>role</c> and <c>content</c>), <c>add_generation_prompt</c>, <c>bos_token</c>,
    /// <c>eos_token</c> and whatever else the template reads (<c>tools</c>, <c>enable_thinking</c>).
    /// Values may be strings, numbers, booleans, null, lists and string-keyed dictionaries.
    /// </summary>
    /// <exception cref="QllmException">The template raised an exception for these messages, or used a value in a way it cannot be (<see cref="ErrorCodes.BadChatTemplate"/>).</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var globals = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["raise_exception"] = new TemplateFunction(a => throw TemplateError.Raised(Source, TemplateValues.ToText(a.Get(0, "message")))),
            ["namespace"] = new TemplateFunction(Namespace),
            ["range"] = new TemplateFunction(Range),
        };
        foreach (var (name, value) in variables)
        {
            globals[name] = TemplateValues.FromClr(value);
        }

        var context = new TemplateContext(globals, Source);
        _render(context);
        return context.Output.ToString();
    }

    /// <summary>Renders a conversation of (role, content) messages, as <c>apply_chat_template</c> does with tokenize=False.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="addGenerationPrompt">Whether to end with the start of an assistant turn.</param>
    /// <param name="bosToken">The tokenizer's BOS text (<c>bos_token</c>), or null.</param>
    /// <param name="eosToken">The tokenizer's EOS text (<c>eos_token</c>), or null.</param>
    /// <exception cref="QllmException">The template refused the conversation or cannot render it (<see cref="ErrorCodes.BadChatTemplate"/>).</exception>
    public string Render(IEnumerable<(string Role, string Content)> messages, bool addGenerationPrompt, string? bosToken, string? eosToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.Select(m => (object?)new Dictionary<string, object?>(StringComparer.Ordinal) { ["role"] = m.Role, ["content"] = m.Content }).ToList();
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = list,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        if (bosToken is not null)
        {
            variables["bos_token"] = bosToken;
        }

        if (eosToken is not null)
        {
            variables["eos_token"] = eosToken;
        }

        return Render(variables);
    }

    private static TemplateNamespace Namespace(TemplateArguments arguments)
    {
        var space = new TemplateNamespace();
        foreach (var (name, value) in arguments.Named)
        {
            space.Attributes[name] = value;
        }

        return space;
    }

    private static List<object?> Range(TemplateArguments a)
    {
        long[] bounds = a.Positional.Select(p => (long)TemplateValues.ToDouble(p)).ToArray();
        var (start, stop, step) = bounds.Length switch
        {
            1 => (0L, bounds[0], 1L),
            2 => (bounds[0], bounds[1], 1L),
            3 => (bounds[0], bounds[1], bounds[2]),
            _ => throw TemplateError.Unsupported(a.Source, "range takes 1 to 3 arguments"),
        };
        if (step == 0)
        {
            throw TemplateError.Unsupported(a.Source, "range's step cannot be zero");
        }

        var items = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            items.Add(i);
        }

        return items;
    }
}

using Qllm.Artifacts.Templates;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tests.Templates;

/// <summary>
/// Each real chat template renders the same conversations exactly as @huggingface/jinja (the
/// renderer of transformers.js) does, with and without the generation prompt; where the reference
/// raises (a template refusing a conversation), ours raises QLLM2012.
/// </summary>
public sealed class ChatTemplateReferenceTests
{
    public static TheoryData<string> Templates => ["llama3_1", "qwen3", "llama2-chat", "mistral-instruct", "tinyllama-chat", "smollm2-instruct", "qwen2.5-instruct"];

    [Theory]
    [MemberData(nameof(Templates))]
    public void Renders_the_conversations_as_the_reference_does(string name)
    {
        var (text, bos, eos) = Template(name);
        var cases = new List<IReadOnlyDictionary<string, object?>>();
        foreach (var (_, messages) in ChatConversations.All)
        {
            foreach (var generationPrompt in new[] { true, false })
            {
                cases.Add(Variables(messages, generationPrompt, bos, eos));
            }
        }

        var expected = HuggingFaceTokenizerPackages.ReferenceChatPrompts(text, cases);
        var template = ChatPromptTemplate.Parse(text, name);
        Assert.Contains(expected, e => e is not null);
        if (name != "mistral-instruct")
        {
            // Only Mistral's template refuses these conversations (it has no system role).
            Assert.All(expected, e => Assert.NotNull(e));
        }
        for (var i = 0; i < cases.Count; i++)
        {
            var label = $"{ChatConversations.All[i / 2].Name}, add_generation_prompt={cases[i]["add_generation_prompt"]}";
            if (expected[i] is null)
            {
                var error = Assert.Throws<QllmException>(() => template.Render(cases[i]));
                Assert.Equal(ErrorCodes.BadChatTemplate, error.Code);
                continue;
            }

            var actual = template.Render(cases[i]);
            Assert.True(expected[i] == actual, $"{name}, {label}:\nexpected {Show(expected[i]!)}\nactual   {Show(actual)}");
        }
    }

    [Fact]
    public void The_tuple_overload_renders_as_the_variables_do()
    {
        var (text, bos, eos) = Template("llama3_1");
        var template = ChatPromptTemplate.Parse(text, "llama3_1");
        var messages = ChatConversations.All[1].Messages;
        Assert.Equal(template.Render(Variables(messages, true, bos, eos)), template.Render(messages, true, bos, eos));
        Assert.StartsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou answer in one sentence.<|eot_id|>", template.Render(messages, true, bos, eos), StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen_tools_and_tool_calls_render_as_the_reference_does()
    {
        var (text, bos, eos) = Template("qwen2.5-instruct");
        var weather = new Dictionary<string, object?>
        {
            ["type"] = "function",
            ["function"] = new Dictionary<string, object?>
            {
                ["name"] = "get_weather",
                ["description"] = "The weather in a city",
                ["parameters"] = new Dictionary<string, object?>
                {
                    ["type"] = "object",
                    ["properties"] = new Dictionary<string, object?> { ["city"] = new Dictionary<string, object?> { ["type"] = "string" } },
                    ["required"] = new List<object?> { "city" },
                },
            },
        };
        var call = new Dictionary<string, object?>
        {
            ["type"] = "function",
            ["function"] = new Dictionary<string, object?> { ["name"] = "get_weather", ["arguments"] = new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 2L } },
        };
        var messages = new List<object?>
        {
            Message("user", "Weather in Paris?"),
            new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = string.Empty, ["tool_calls"] = new List<object?> { call } },
            Message("tool", "{\"temperature\": 21.5}"),
        };
        var variables = new Dictionary<string, object?>
        {
            ["messages"] = messages,
            ["tools"] = new List<object?> { weather },
            ["add_generation_prompt"] = true,
            ["bos_token"] = bos,
            ["eos_token"] = eos,
        };

        var expected = HuggingFaceTokenizerPackages.ReferenceChatPrompts(text, [variables]).Single();
        Assert.NotNull(expected);
        Assert.Equal(expected, ChatPromptTemplate.Parse(text, "qwen").Render(variables));
    }

    [Fact]
    public void The_feature_tour_renders_as_the_reference_does()
    {
        // Every construct of the subset in one template (loop filters, break/continue, namespace,
        // block set, slicing, methods, filters, tests, whitespace control), beyond what the real templates use.
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Templates", "feature-tour.jinja"));
        IReadOnlyDictionary<string, object?>[] cases =
        [
            Variables([("system", "Sys"), ("user", "  Hello there "), ("assistant", "Hi!"), ("user", "Bye now")], true, null, null),
            Variables([("user", "Only one word")], false, null, null),
        ];
        var expected = HuggingFaceTokenizerPackages.ReferenceChatPrompts(text, cases);
        var template = ChatPromptTemplate.Parse(text, "feature-tour.jinja");
        for (var i = 0; i < cases.Length; i++)
        {
            Assert.NotNull(expected[i]);
            var actual = template.Render(cases[i]);
            Assert.True(expected[i] == actual, $"case {i}:\nexpected {Show(expected[i]!)}\nactual   {Show(actual)}");
        }
    }

    [Theory]
    [InlineData("{% macro greet(name) %}hi {{ name }}{% endmacro %}{{ greet('x') }}", "macro")]
    [InlineData("{{ messages | wordcount }}", "wordcount")]
    [InlineData("{% for m in messages %}{{ m.content }}", "endfor")]
    [InlineData("{{ messages[0].content + }}", "offset")]
    [InlineData("{% include 'other.jinja' %}", "include")]
    public void A_template_outside_the_subset_is_refused_when_parsed_naming_the_file(string text, string named)
    {
        var error = Assert.Throws<QllmException>(() => ChatPromptTemplate.Parse(text, "models/x/tokenizer_config.json"));
        Assert.Equal(ErrorCodes.BadChatTemplate, error.Code);
        Assert.Equal("models/x/tokenizer_config.json", error.File);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_that_raises_refuses_the_conversation_with_its_message()
    {
        var template = ChatPromptTemplate.Parse(PublishedChatTemplates.MistralInstruct, "mistral/tokenizer_config.json");
        var error = Assert.Throws<QllmException>(() => template.Render([("user", "a"), ("user", "b")], true, "<s>", "</s>"));
        Assert.Equal(ErrorCodes.BadChatTemplate, error.Code);
        Assert.Contains("Conversation roles must alternate", error.Message, StringComparison.Ordinal);
    }

    private static (string Text, string? Bos, string? Eos) Template(string name)
    {
        switch (name)
        {
            case "llama3_1" or "qwen3":
                var package = name == "qwen3" ? HuggingFaceTokenizerPackages.Qwen3 : HuggingFaceTokenizerPackages.Llama31;
                var tokenizer = HuggingFaceTokenizer.Load(Path.Combine(HuggingFaceTokenizerPackages.ModelFolder(package), "tokenizer.json"));
                return (tokenizer.ChatTemplate ?? throw new InvalidOperationException($"{package} has no chat template"), tokenizer.BosToken, tokenizer.EosToken);
            case "llama2-chat":
                return (PublishedChatTemplates.Llama2Chat, "<s>", "</s>");
            case "mistral-instruct":
                return (PublishedChatTemplates.MistralInstruct, "<s>", "</s>");
            case "tinyllama-chat":
                return (PublishedChatTemplates.TinyLlamaChat, "<s>", "</s>");
            case "smollm2-instruct":
                return (PublishedChatTemplates.SmolLm2Instruct, "<|im_start|>", "<|im_end|>");
            default:
                return (PublishedChatTemplates.Qwen25Instruct, null, "<|im_end|>");
        }
    }

    private static Dictionary<string, object?> Variables((string Role, string Content)[] messages, bool generationPrompt, string? bos, string? eos)
    {
        var variables = new Dictionary<string, object?>
        {
            ["messages"] = messages.Select(m => (object?)Message(m.Role, m.Content)).ToList(),
            ["add_generation_prompt"] = generationPrompt,
        };
        if (bos is not null)
        {
            variables["bos_token"] = bos;
        }

        if (eos is not null)
        {
            variables["eos_token"] = eos;
        }

        return variables;
    }

    private static Dictionary<string, object?> Message(string role, string content) => new() { ["role"] = role, ["content"] = content };

    private static string Show(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
}

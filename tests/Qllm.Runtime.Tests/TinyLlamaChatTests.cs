using Qllm.Artifacts.Tokenization;

namespace Qllm.Runtime.Tests;

/// <summary>
/// TinyLlama's case: a folder whose tokenizer is tokenizer.model, with the chat template and special
/// tokens in tokenizer_config.json. Both travel in the artifact, and chat works from it.
/// </summary>
public sealed class TinyLlamaChatTests(ChatArtifactsFixture artifacts) : IClassFixture<ChatArtifactsFixture>
{
    private static readonly ChatTurn[][] Conversations =
    [
        [ChatTurn.System("You are a friendly chatbot who always responds in the style of a pirate."), ChatTurn.User("How many helicopters can a human eat in one sitting?")],
        [ChatTurn.User("Tell me a story."), ChatTurn.Assistant("Once upon a time there was a cat."), ChatTurn.User("Go on.")],
        [ChatTurn.System("  Be brief.\n"), ChatTurn.User("\n  Ça va? 你好 👋🏽  \n\n"), ChatTurn.Assistant(" Très bien.\t"), ChatTurn.User("Bye")],
    ];

    [Fact]
    public void The_artifact_renders_TinyLlamas_template_as_the_reference_does()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.TinyLlamaShaped);
        Assert.True(model.HasChatTemplate);
        var tokenizer = Assert.IsAssignableFrom<IChatTokenizer>(model.Tokenizer);
        Assert.Equal(TinyLlamaTokenizerConfig.ChatTemplate, tokenizer.ChatTemplate);

        var cases = new List<IReadOnlyDictionary<string, object?>>();
        var actual = new List<string>();
        foreach (var conversation in Conversations)
        {
            foreach (var generationPrompt in new[] { true, false })
            {
                cases.Add(new Dictionary<string, object?>
                {
                    ["messages"] = conversation.Select(m => (object?)new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList(),
                    ["add_generation_prompt"] = generationPrompt,
                    ["bos_token"] = "<s>",
                    ["eos_token"] = "</s>",
                });
                actual.Add(model.FormatChatPrompt(conversation, generationPrompt));
            }
        }

        Assert.Equal(HuggingFaceTokenizerPackages.ReferenceChatPrompts(TinyLlamaTokenizerConfig.ChatTemplate, cases), actual);
        Assert.EndsWith("</s>\n<|assistant|>\n", actual[0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_prompt_is_BOS_then_the_rendered_text_with_EOS_tokens_and_generation_stops_at_EOS()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.TinyLlamaShaped);
        var folderTokenizer = SentencePieceTokenizer.Load(Path.Combine(artifacts.TinyLlamaFolderPath, "tokenizer.model"));
        var conversation = Conversations[0];
        var prompt = model.FormatChatPrompt(conversation);

        // </s> in the rendered text is EOS (id 2), not its characters; the text between is the folder's
        // tokenizer.model encoding, stretch by stretch; BOS is added once (add_bos_token, the template writes none).
        var stretches = prompt.Split("</s>");
        var expected = new List<int> { 1 };
        for (var i = 0; i < stretches.Length; i++)
        {
            expected.AddRange(stretches[i].Length == 0 ? [] : folderTokenizer.Encode(stretches[i]));
            if (i < stretches.Length - 1)
            {
                expected.Add(2);
            }
        }

        Assert.Equal(expected.Skip(1), model.Tokenizer.Encode(prompt));
        var result = model.Chat(conversation, new GenerationOptions(MaxTokens: 300));
        Assert.Equal(expected.Count, result.PromptTokens);
        Assert.Equal(2, model.Tokenizer.EosId);

        Assert.True(result.StopReason == StopReason.EndOfText || result.GeneratedTokens == 300, $"{result.StopReason} after {result.GeneratedTokens}");
        Assert.DoesNotContain("</s>", result.Continuation, StringComparison.Ordinal);
    }
}

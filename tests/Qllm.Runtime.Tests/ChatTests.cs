using Qllm.Artifacts.Templates;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;

namespace Qllm.Runtime.Tests;

public sealed class ChatTests(ChatArtifactsFixture artifacts) : IClassFixture<ChatArtifactsFixture>
{
    private static readonly GenerationOptions Short = new(MaxTokens: 24);

    [Fact]
    public void A_model_without_a_template_chats_in_the_plain_format()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Plain);
        ChatTurn[] messages = [ChatTurn.System("A story."), ChatTurn.User("Once upon a time")];

        Assert.False(model.HasChatTemplate);
        Assert.Equal("A story.\nOnce upon a time", model.FormatChatPrompt(messages));
        var chat = model.Chat(messages, Short);
        var generated = model.Generate("A story.\nOnce upon a time", Short);
        Assert.Equal(generated.Continuation, chat.Continuation);
        Assert.Equal(generated.PromptTokens, chat.PromptTokens);
        Assert.True(chat.GeneratedTokens > 0);
    }

    [Fact]
    public void A_templated_prompt_is_the_rendered_template_with_its_own_BOS_once()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Templated);
        var tokenizer = Assert.IsType<HuggingFaceTokenizer>(model.Tokenizer);
        ChatTurn[] messages = [ChatTurn.User("Hi"), ChatTurn.Assistant("Hello."), ChatTurn.User("Tell me a story.")];

        Assert.True(model.HasChatTemplate);
        var expected = ChatPromptTemplate.Parse(ChatArtifactsFixture.MistralTemplate, "t").Render(messages.Select(m => (m.Role, m.Content)), true, "<s>", "</s>");
        var prompt = model.FormatChatPrompt(messages);
        Assert.Equal(expected, prompt);
        Assert.StartsWith("<s>[INST] Hi [/INST]Hello.</s>[INST] Tell me a story. [/INST]", prompt, StringComparison.Ordinal);

        // The template writes <s>, which encodes to BOS: the tokenizer's add_bos_token must not add a second one.
        var ids = tokenizer.Encode(prompt);
        Assert.Equal(tokenizer.BosId, ids[0]);
        Assert.NotEqual(tokenizer.BosId, ids[1]);
        var result = model.Chat(messages, Short);
        Assert.Equal(ids.Count, result.PromptTokens);
        Assert.True(result.GeneratedTokens > 0);
    }

    [Fact]
    public void A_template_that_refuses_the_conversation_is_a_coded_error_naming_the_artifact()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Templated);
        var error = Assert.Throws<QllmException>(() => model.Chat([ChatTurn.System("Be brief."), ChatTurn.User("Hi")], Short));
        Assert.Equal(ErrorCodes.BadChatTemplate, error.Code);
        Assert.Contains("templated.qllm", error.File, StringComparison.Ordinal);
        Assert.Contains("Conversation roles must alternate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_streams_the_answer_it_returns()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Plain);
        ChatTurn[] messages = [ChatTurn.User("Lily and Ben")];
        var pieces = new List<string>();
        await foreach (var piece in model.ChatStreamingAsync(messages, Short))
        {
            pieces.Add(piece);
        }

        Assert.True(pieces.Count > 5);
        Assert.Equal(model.Chat(messages, Short).Continuation, string.Concat(pieces));
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_text_before_it_and_is_never_streamed()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Plain);
        var free = model.Generate("Once upon a time", new GenerationOptions(MaxTokens: 48));
        var words = free.Continuation.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(words.Length > 8, free.Continuation);

        // A stop made of the end of one word and the start of the next: it spans tokens.
        var (first, second) = (words[5], words[6]);
        var stopText = first[^Math.Min(2, first.Length)..] + " " + second[..Math.Min(2, second.Length)];
        var at = free.Continuation.IndexOf(stopText, StringComparison.Ordinal);
        var options = new GenerationOptions(MaxTokens: 48) { StopSequences = ["never appears \u2603", stopText] };

        var stopped = model.Generate("Once upon a time", options);
        Assert.Equal(StopReason.StopSequence, stopped.StopReason);
        Assert.Equal(free.Continuation[..at], stopped.Continuation);

        var pieces = new List<string>();
        await foreach (var piece in model.GenerateStreamingAsync("Once upon a time", options))
        {
            pieces.Add(piece);
        }

        Assert.Equal(stopped.Continuation, string.Concat(pieces));
    }

    [Fact]
    public async Task Cancelling_a_chat_stream_stops_it()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Plain);
        using var cancel = new CancellationTokenSource();
        var pieces = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in model.ChatStreamingAsync([ChatTurn.User("Once upon a time")], new GenerationOptions(MaxTokens: 200), cancel.Token))
            {
                if (++pieces == 3)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        Assert.Equal(3, pieces);
    }
}

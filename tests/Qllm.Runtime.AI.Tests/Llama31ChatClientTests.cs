using Microsoft.Extensions.AI;
using Qllm.Artifacts.Tokenization;

namespace Qllm.Runtime.AI.Tests;

/// <summary>
/// A synthetic Llama-3.1-shaped model with the real Llama 3.1 tokenizer and chat template, quantized
/// by the engine, driven through IChatClient: the prompt it is fed is the reference's, and it stops at <c>&lt;|eot_id|&gt;</c>.
/// </summary>
public sealed class Llama31ChatClientTests(Llama31ChatFixture llama) : IClassFixture<Llama31ChatFixture>
{
    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "You answer in one sentence."),
        new(ChatRole.User, "What is the capital of France?"),
        new(ChatRole.Assistant, "The capital of France is Paris."),
        new(ChatRole.User, "And of Italy? 🇮🇹  "),
    ];

    [Fact]
    public async Task The_prompt_fed_is_the_reference_rendering_tokenized_by_the_reference()
    {
        using var model = QuantizedLanguageModel.Load(llama.Artifact);
        using var client = model.AsIChatClient();
        var tokenizer = Assert.IsType<HuggingFaceTokenizer>(model.Tokenizer);
        var variables = new Dictionary<string, object?>
        {
            ["messages"] = Conversation.Select(m => (object?)new Dictionary<string, object?> { ["role"] = m.Role.Value, ["content"] = m.Text }).ToList(),
            ["add_generation_prompt"] = true,
            ["bos_token"] = tokenizer.BosToken,
            ["eos_token"] = tokenizer.EosToken,
        };
        var text = HuggingFaceTokenizerPackages.ReferenceChatPrompts(tokenizer.ChatTemplate!, [variables]).Single();
        var ids = HuggingFaceTokenizerPackages.ReferenceIds(llama.TokenizerJson, [text!]).Single();

        Assert.Equal(text, model.FormatChatPrompt(Conversation.Select(m => new ChatTurn(m.Role.Value, m.Text))));
        Assert.Equal(128000, ids[0]);
        Assert.Equal(ids, tokenizer.Encode(text!));

        // One greedy token: the prompt's count, and the token the model's logits for the reference ids pick.
        var response = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 1 });
        Assert.Equal(ids.Length, response.Usage!.InputTokenCount);
        var logits = model.GetLogits(ids)[^model.VocabularySize..];
        var next = Array.IndexOf(logits, logits.Max());
        Assert.Equal(next == Llama31ChatModel.EndOfTurn ? string.Empty : tokenizer.Decode([next]), response.Text);
    }

    [Fact]
    public async Task Sampled_responses_end_at_eot_id_streamed_or_not_with_their_usage()
    {
        using var model = QuantizedLanguageModel.Load(llama.Artifact);
        using var client = model.AsIChatClient();
        var options = new ChatOptions { MaxOutputTokens = 64, Temperature = 1.0f, TopP = 0.95f, Seed = 3 };

        var response = await client.GetResponseAsync(Conversation, options);
        var again = await client.GetResponseAsync(Conversation, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, options))
        {
            updates.Add(update);
        }

        var streamed = updates.ToChatResponse();
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.InRange(response.Usage!.OutputTokenCount!.Value, 1, 63);
        Assert.DoesNotContain("<|eot_id|>", response.Text, StringComparison.Ordinal);
        Assert.Equal(response.Text, again.Text);
        Assert.Equal(response.Text, streamed.Text);
        Assert.Equal(ChatFinishReason.Stop, streamed.FinishReason);
        Assert.Equal(response.Usage.InputTokenCount, streamed.Usage!.InputTokenCount);
        Assert.Equal(response.Usage.OutputTokenCount, streamed.Usage.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Budget_and_stop_sequences_end_a_response_before_eot_id()
    {
        using var model = QuantizedLanguageModel.Load(llama.Artifact);
        using var client = model.AsIChatClient();

        // A seed whose sampled answer runs a few tokens before <|eot_id|> ends it.
        ChatResponse? longest = null;
        var seed = 0;
        while (longest is null && ++seed <= 40)
        {
            var candidate = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 64, Temperature = 1.0f, Seed = seed });
            longest = candidate.Usage!.OutputTokenCount >= 4 && candidate.FinishReason == ChatFinishReason.Stop ? candidate : null;
        }

        Assert.NotNull(longest);
        var limited = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 2, Temperature = 1.0f, Seed = seed });
        Assert.Equal(ChatFinishReason.Length, limited.FinishReason);
        Assert.Equal(2, limited.Usage!.OutputTokenCount);
        Assert.StartsWith(limited.Text, longest.Text, StringComparison.Ordinal);

        var stop = longest.Text[^2..];
        var stopped = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 64, Temperature = 1.0f, Seed = seed, StopSequences = [stop] });
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
        Assert.Equal(longest.Text[..longest.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
    }

    [Fact]
    public async Task Cancelling_a_stream_stops_it()
    {
        using var model = QuantizedLanguageModel.Load(llama.Artifact);
        using var client = model.AsIChatClient();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 64 }, cancel.Token))
            {
            }
        });
    }
}

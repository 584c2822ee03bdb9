using Microsoft.Extensions.AI;
using Qllm.Core.Errors;

namespace Qllm.Runtime.AI.Tests;

/// <summary>A quantized stories15M driven through Microsoft.Extensions.AI's IChatClient.</summary>
public sealed class ChatClientTests(ChatArtifactsFixture artifacts) : IClassFixture<ChatArtifactsFixture>
{
    private static readonly ChatMessage[] Story = [new(ChatRole.User, "Once upon a time")];

    [Fact]
    public async Task A_response_is_the_models_chat_answer_with_its_token_counts()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Plain);
        using var client = model.AsIChatClient();
        var response = await client.GetResponseAsync(Story, new ChatOptions { MaxOutputTokens = 20 });

        var expected = model.Chat([ChatTurn.User("Once upon a time")], new GenerationOptions(MaxTokens: 20));
        Assert.Equal(expected.Continuation, response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal(expected.PromptTokens, response.Usage!.InputTokenCount);
        Assert.Equal(20, response.Usage.OutputTokenCount);
        Assert.Equal(expected.PromptTokens + 20, response.Usage.TotalTokenCount);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal("plain", response.ModelId);
    }

    [Fact]
    public async Task Streamed_updates_make_the_same_response_and_end_with_the_usage()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Plain);
        using var client = model.AsIChatClient();
        var options = new ChatOptions { MaxOutputTokens = 24 };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Story, options))
        {
            updates.Add(update);
        }

        var streamed = updates.ToChatResponse();
        var whole = await client.GetResponseAsync(Story, options);
        Assert.True(updates.Count > 5);
        Assert.Equal(whole.Text, streamed.Text);
        Assert.Equal(whole.Usage!.InputTokenCount, streamed.Usage!.InputTokenCount);
        Assert.Equal(24, streamed.Usage.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, streamed.FinishReason);
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
    }

    [Fact]
    public async Task Chat_options_set_the_budget_the_sampling_and_the_stops()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Plain);
        using var client = model.AsIChatClient();

        var sampled = new ChatOptions { MaxOutputTokens = 30, Temperature = 1.0f, TopP = 0.95f, Seed = 7 };
        var first = await client.GetResponseAsync(Story, sampled);
        var again = await client.GetResponseAsync(Story, sampled);
        var otherSeed = await client.GetResponseAsync(Story, new ChatOptions { MaxOutputTokens = 30, Temperature = 1.0f, TopP = 0.95f, Seed = 8 });
        var greedy = await client.GetResponseAsync(Story, new ChatOptions { MaxOutputTokens = 30 });
        Assert.Equal(first.Text, again.Text);
        Assert.NotEqual(first.Text, otherSeed.Text);
        Assert.NotEqual(first.Text, greedy.Text);

        var words = greedy.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var stop = " " + words[4] + " ";
        var stopped = await client.GetResponseAsync(Story, new ChatOptions { MaxOutputTokens = 30, StopSequences = [stop] });
        Assert.Equal(greedy.Text[..greedy.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
        Assert.True(stopped.Usage!.OutputTokenCount < 30);
    }

    [Fact]
    public async Task Cancellation_stops_a_response_and_a_stream()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Plain);
        using var client = model.AsIChatClient();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync(Story, new ChatOptions { MaxOutputTokens = 200 }, cancelled.Token));

        using var cancel = new CancellationTokenSource();
        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Story, new ChatOptions { MaxOutputTokens = 200 }, cancel.Token))
            {
                if (++received == 2)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        Assert.Equal(2, received);
    }

    [Fact]
    public async Task A_templated_model_answers_through_its_template_and_refuses_what_it_refuses()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Templated);
        using var client = model.AsIChatClient();
        ChatMessage[] messages = [new(ChatRole.User, "Hi"), new(ChatRole.Assistant, "Hello."), new(ChatRole.User, "A story?")];

        var response = await client.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = 8 });
        var prompt = model.FormatChatPrompt([ChatTurn.User("Hi"), ChatTurn.Assistant("Hello."), ChatTurn.User("A story?")]);
        Assert.Equal(model.Tokenizer.Encode(prompt).Count, response.Usage!.InputTokenCount);
        Assert.InRange(response.Usage.OutputTokenCount!.Value, 1, 8);

        var error = await Assert.ThrowsAsync<QllmException>(() => client.GetResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi")]));
        Assert.Equal(ErrorCodes.BadChatTemplate, error.Code);
    }

    [Fact]
    public void The_client_serves_its_metadata_and_model()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Plain);
        using var client = model.AsIChatClient();
        Assert.Equal("qllm", client.GetService<ChatClientMetadata>()!.ProviderName);
        Assert.Same(model, client.GetService<QuantizedLanguageModel>());
        Assert.Null(client.GetService<QuantizedLanguageModel>("key"));
    }
}

using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace Qllm.Runtime.AI;

/// <summary>
/// A <see cref="QuantizedLanguageModel"/> as an <see cref="IChatClient"/>: the messages' text goes
/// through the model's chat template (<see cref="QuantizedLanguageModel.Chat(IEnumerable{ChatTurn}, GenerationOptions?, CancellationToken)"/>),
/// <see cref="ChatOptions"/>' MaxOutputTokens, Temperature, TopP, Seed and StopSequences become
/// <see cref="GenerationOptions"/>, and every response reports its token counts. Only text is
/// understood: other contents (images, function calls) and tools are not sent to the model.
/// </summary>
internal sealed class QuantizedChatClient(QuantizedLanguageModel model, bool ownsModel) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("qllm", null, Path.GetFileNameWithoutExtension(model.Source));

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var turns = Turns(messages);
        var generation = Options(options);
        var result = await Task.Run(() => model.Chat(turns, generation, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Continuation))
        {
            ResponseId = NewId(),
            ModelId = _metadata.DefaultModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = FinishReason(result.StopReason),
            Usage = Usage(result),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var turns = Turns(messages);
        var generation = Options(options);
        string responseId = NewId(), messageId = NewId();
        var created = DateTimeOffset.UtcNow;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        GenerationResult? result = null;
        var producer = Task.Run(
            () =>
            {
                bool prompt = true;
                try
                {
                    // The first call of the callback is the decoded prompt: only what follows is the answer.
                    result = model.Chat(
                        turns,
                        generation,
                        piece =>
                        {
                            if (!prompt)
                            {
                                pieces.Writer.TryWrite(piece);
                            }

                            prompt = false;
                        },
                        stop.Token);
                    pieces.Writer.Complete();
                }
                catch (Exception e)
                {
                    pieces.Writer.Complete(e);
                }
            },
            CancellationToken.None);
        try
        {
            await foreach (var piece in pieces.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return Update(new ChatResponseUpdate(ChatRole.Assistant, piece), responseId, messageId, created);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }

        var last = Update(new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage(result!))]), responseId, messageId, created);
        last.FinishReason = FinishReason(result!.StopReason);
        yield return last;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(model) ? model
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    public void Dispose()
    {
        if (ownsModel)
        {
            model.Dispose();
        }
    }

    private static List<ChatTurn> Turns(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return messages.Select(m => new ChatTurn(m.Role.Value.ToLowerInvariant(), m.Text)).ToList();
    }

    private static GenerationOptions Options(ChatOptions? options)
    {
        var defaults = new GenerationOptions();
        if (options is null)
        {
            return defaults;
        }

        return new GenerationOptions(
            options.MaxOutputTokens ?? defaults.MaxTokens,
            options.Temperature ?? defaults.Temperature,
            options.TopP ?? defaults.TopP,
            options.Seed is long seed ? unchecked((int)seed ^ (int)(seed >> 32)) : defaults.Seed)
        {
            StopSequences = options.StopSequences?.ToList(),
        };
    }

    private static ChatFinishReason FinishReason(StopReason reason) =>
        reason is StopReason.EndOfText or StopReason.StopSequence ? ChatFinishReason.Stop : ChatFinishReason.Length;

    private static UsageDetails Usage(GenerationResult result) => new()
    {
        InputTokenCount = result.PromptTokens,
        OutputTokenCount = result.GeneratedTokens,
        TotalTokenCount = result.PromptTokens + result.GeneratedTokens,
    };

    private ChatResponseUpdate Update(ChatResponseUpdate update, string responseId, string messageId, DateTimeOffset created)
    {
        update.ResponseId = responseId;
        update.MessageId = messageId;
        update.ModelId = _metadata.DefaultModelId;
        update.CreatedAt = created;
        return update;
    }

    private static string NewId() => Guid.NewGuid().ToString("N");
}

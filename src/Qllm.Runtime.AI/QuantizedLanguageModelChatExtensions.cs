using Microsoft.Extensions.AI;

namespace Qllm.Runtime.AI;

/// <summary>Microsoft.Extensions.AI for Qllm.Runtime models.</summary>
public static class QuantizedLanguageModelChatExtensions
{
    /// <summary>
    /// The model as an <see cref="IChatClient"/>: text messages through the model's chat template
    /// (or, for a model without one, the plain format of
    /// <see cref="QuantizedLanguageModel.HasChatTemplate"/>); <see cref="ChatOptions"/>'
    /// MaxOutputTokens, Temperature, TopP, Seed and StopSequences apply; responses carry
    /// <see cref="UsageDetails"/> (input and output tokens). Greedy unless a temperature is given.
    /// </summary>
    /// <param name="model">The model; one model can serve several clients and concurrent calls.</param>
    /// <param name="ownsModel">Whether disposing the client disposes the model.</param>
    public static IChatClient AsIChatClient(this QuantizedLanguageModel model, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new QuantizedChatClient(model, ownsModel);
    }
}

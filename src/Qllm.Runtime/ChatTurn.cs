namespace Qllm.Runtime;

/// <summary>
/// One message of a conversation for <see cref="QuantizedLanguageModel.Chat(IEnumerable{ChatTurn}, GenerationOptions?, CancellationToken)"/>:
/// a role the model's chat template knows (<c>system</c>, <c>user</c>, <c>assistant</c>, some also
/// <c>tool</c>) and its text. (Not named ChatMessage, so that it never clashes with
/// Microsoft.Extensions.AI's type in a file that uses both; Qllm.Runtime.AI takes those.)
/// </summary>
/// <param name="Role">The speaker, lower-case as chat templates compare it.</param>
/// <param name="Content">The text.</param>
public sealed record ChatTurn(string Role, string Content)
{
    /// <summary>A system prompt.</summary>
    public static ChatTurn System(string content) => new("system", content);

    /// <summary>A user message.</summary>
    public static ChatTurn User(string content) => new("user", content);

    /// <summary>An earlier answer of the model.</summary>
    public static ChatTurn Assistant(string content) => new("assistant", content);
}

using AppWithModel;
using Microsoft.Extensions.AI;
using Qllm.Runtime;

// `AppWithModel PROMPT` prints the prompt and its continuation, as `qllm generate` does.
// `AppWithModel --chat` chats through Microsoft.Extensions.AI: each line read is the user's turn,
// the reply streams as it is generated, and every turn sees the conversation so far. stories15M is
// a base model without a chat template, so its prompt is the plain format (the turns, one per
// line); a model whose tokenizer_config.json carries a template gets that template instead.
if (args is ["--chat", ..])
{
    await ChatAsync();
    return;
}

var prompt = args.Length > 0 ? string.Join(' ', args) : "Once upon a time";
using var model = QuantizedModels.Stories15M.Load();
Console.WriteLine(model.Generate(prompt, new GenerationOptions(MaxTokens: 128)).Text);

static async Task ChatAsync()
{
    using IChatClient chat = QuantizedModels.Stories15M.LoadChatClient();
    var options = new ChatOptions { MaxOutputTokens = 64, Temperature = 0.8f, TopP = 0.9f, Seed = 1 };
    List<ChatMessage> history = [];
    Console.Error.WriteLine("Say something (an empty line or end of input ends the chat).");
    while (Console.ReadLine() is { Length: > 0 } line)
    {
        history.Add(new ChatMessage(ChatRole.User, line));
        List<ChatResponseUpdate> updates = [];
        Console.Write("> ");
        bool started = false; // the reply is shown from its first word (a base model often begins with a new line)
        await foreach (var update in chat.GetStreamingResponseAsync(history, options))
        {
            var text = started ? update.Text : update.Text.TrimStart();
            started |= text.Length > 0;
            Console.Write(text);
            updates.Add(update);
        }

        Console.WriteLine();
        history.AddMessages(updates);
    }
}

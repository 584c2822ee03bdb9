namespace Qllm.Artifacts.Tests.Templates;

/// <summary>The conversations each chat template is rendered with, here and by the reference.</summary>
internal static class ChatConversations
{
    public static IReadOnlyList<(string Name, (string Role, string Content)[] Messages)> All { get; } =
    [
        ("system and one user turn", [("system", "You are a helpful assistant."), ("user", "Hello!")]),
        ("system and several turns",
        [
            ("system", "You answer in one sentence."),
            ("user", "What is the capital of France?"),
            ("assistant", "The capital of France is Paris."),
            ("user", "And of Italy?"),
        ]),
        ("no system prompt", [("user", "Tell me a story."), ("assistant", "Once upon a time there was a cat."), ("user", "Go on.")]),
        ("one user turn", [("user", "Hi")]),
        ("ends with the assistant", [("user", "2+2?"), ("assistant", "4")]),
        ("whitespace, Unicode and emoji",
        [
            ("system", "  Be brief.\n"),
            ("user", "\n  Ça va? 你好 👋🏽  \n\n"),
            ("assistant", " Très bien.\t"),
            ("user", "Bye\r\n"),
        ]),
        ("reasoning in an assistant turn",
        [
            ("user", "Think first."),
            ("assistant", "<think>\nThe user wants thought.\n</think>\n\nDone."),
            ("user", "Again?"),
        ]),
    ];
}

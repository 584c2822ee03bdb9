namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>The built sample's `--chat` mode: two user turns on standard input, two streamed replies.</summary>
internal static class SampleChat
{
    public static void Answers(string workingDirectory, string app)
    {
        var chat = DotnetProcess.RunWithInput(workingDirectory, TimeSpan.FromMinutes(1), "Lily and Ben went to the park.\nWhat did they find?\n", app, "--chat");

        Assert.True(chat.ExitCode == 0, chat.Output);
        var replies = chat.Output.Split('\n').Where(line => line.StartsWith("> ", StringComparison.Ordinal)).ToList();
        Assert.True(replies.Count == 2, chat.Output);
        Assert.All(replies, reply => Assert.True(reply.Trim().Length > 10, chat.Output));
    }
}

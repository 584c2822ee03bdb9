using System.Text.RegularExpressions;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>The built sample's `--chat` mode: two user turns on standard input, two streamed replies.</summary>
internal static class SampleChat
{
    private const string Invitation = "Say something (an empty line or end of input ends the chat).";

    public static void Answers(string workingDirectory, string app)
    {
        var chat = DotnetProcess.RunWithInput(workingDirectory, TimeSpan.FromMinutes(1), "Lily and Ben went to the park.\nWhat did they find?\n", app, "--chat");

        Assert.True(chat.ExitCode == 0, chat.Output);
        Assert.Contains(Invitation, chat.Output, StringComparison.Ordinal);

        // Each reply starts a line with "> " and runs (over one line or several) to the next one.
        var replies = Regex.Split(chat.Output.Replace(Invitation, "", StringComparison.Ordinal), "^> ", RegexOptions.Multiline).Skip(1).ToList();
        Assert.True(replies.Count == 2, chat.Output);
        Assert.All(replies, reply => Assert.True(reply.Trim().Length > 10, chat.Output));
    }
}

using System.Runtime.CompilerServices;

namespace Qllm.Build.Tasks.Tests;

/// <summary>
/// Approved-file snapshots (Verify is not restorable here): <c>Type.name.verified.cs</c> beside
/// the test holds the approved text; a mismatch writes <c>.received.cs</c> beside it and fails.
/// Set QLLM_ACCEPT_SNAPSHOTS=1 to accept the received text.
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string testFile = "")
    {
        var folder = Path.GetDirectoryName(testFile)!;
        var stem = Path.Combine(folder, $"{Path.GetFileNameWithoutExtension(testFile)}.{name}");
        var verified = stem + ".verified.cs";
        var received = stem + ".received.cs";
        if (Environment.GetEnvironmentVariable("QLLM_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, actual);
        }

        var expected = File.Exists(verified) ? File.ReadAllText(verified) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail($"the text differs from the approved {verified}; see {received} (QLLM_ACCEPT_SNAPSHOTS=1 accepts it)");
    }
}

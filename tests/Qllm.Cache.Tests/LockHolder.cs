using Qllm.Cache;

namespace Qllm.Cache.Tests;

/// <summary>
/// The test assembly's entry point, in place of the empty one Microsoft.NET.Test.Sdk generates.
/// Run as <c>dotnet Qllm.Cache.Tests.dll hold-lock PATH</c>, it takes the store lock at PATH, says
/// <see cref="Held"/> on stdout and keeps the lock until its stdin ends, so that a test can kill a
/// real process that holds a lock and see what the operating system does with it.
/// </summary>
internal static class LockHolder
{
    public const string Command = "hold-lock";

    public const string Held = "held";

    public static int Main(string[] args)
    {
        if (args is not [Command, var path])
        {
            return 0;
        }

        using var held = StoreLock.Acquire(path, onWaiting: null, CancellationToken.None);
        Console.WriteLine(Held);

        // Waits on stdin rather than forever: should the test die before it kills this process,
        // the pipe closes and this holder ends too instead of outliving the test run.
        Console.In.ReadToEnd();
        return 0;
    }
}

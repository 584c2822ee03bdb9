using System.Diagnostics;
using System.Globalization;

namespace Qllm.Build.Tasks.Tests;

/// <summary>Sends a signal with kill(1): .NET's Process sends only SIGKILL.</summary>
internal static class ProcessSignal
{
    /// <summary>Sends SIG<paramref name="signal"/> (INT, STOP, CONT) to <paramref name="processId"/>; false if it went nowhere (the process is gone).</summary>
    public static bool Send(int processId, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, processId.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode == 0;
    }
}

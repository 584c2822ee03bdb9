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

    /// <summary>Whether this process ignores signal number <paramref name="number"/> (the SigIgn mask of /proc/self/status), as the processes it starts then do.</summary>
    public static bool IsIgnoredHere(int number)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (number - 1))) != 0;
    }
}

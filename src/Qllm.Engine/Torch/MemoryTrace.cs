namespace Qllm.Engine.Torch;

/// <summary>
/// A maintainer's view of where a quantization's memory goes: with the environment variable
/// <c>QLLM_TRACE_MEMORY=1</c> on Linux, each <see cref="Mark"/> writes one line to standard error
/// with the process's resident memory now and its peak since the mark before (the kernel's peak is
/// reset at each mark, so the line also carries the run's peak so far: with the trace on,
/// <c>/usr/bin/time</c>'s maximum is only the last phase's), so a run's peak is found in its phase
/// without a build of its own. Off by default, and then a mark costs one field read.
/// </summary>
internal static class MemoryTrace
{
    private static readonly bool Enabled = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("QLLM_TRACE_MEMORY") == "1";
    private static long _runPeak;

    /// <summary>Writes "memory: PHASE: resident R MiB (anonymous A), peak since the last mark P MiB, run's peak M MiB" and starts a new peak.</summary>
    public static void Mark(string phase)
    {
        if (!Enabled)
        {
            return;
        }

        long resident = 0, anonymous = 0, peak = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            resident = Field(line, "VmRSS:") ?? resident;
            anonymous = Field(line, "RssAnon:") ?? anonymous;
            peak = Field(line, "VmHWM:") ?? peak;
        }

        _runPeak = Math.Max(_runPeak, peak);
        Console.Error.WriteLine($"memory: {phase}: resident {resident >> 10} MiB (anonymous {anonymous >> 10}), peak since the last mark {peak >> 10} MiB, run's peak {_runPeak >> 10} MiB");

        // "5" resets the peak resident set size (proc(5), clear_refs), so the next mark's peak is its phase's.
        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    // A /proc status line's value in KiB, when the line is the named field.
    private static long? Field(string line, string name) =>
        line.StartsWith(name, StringComparison.Ordinal) ? long.Parse(line.AsSpan(name.Length).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) : null;
}

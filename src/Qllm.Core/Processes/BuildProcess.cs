using System.Diagnostics;
using System.Globalization;

namespace Qllm.Core.Processes;

/// <summary>
/// Names the build process that started a tool run, so that the tool can stop when that build is
/// gone: a killed MSBuild leaves its child running otherwise, with nobody to read or commit what it
/// makes. The value is the process id and its start time, so a recycled id is not mistaken for it.
/// </summary>
public static class BuildProcess
{
    /// <summary>The environment variable the build task sets on the tool's process.</summary>
    public const string VariableName = "QLLM_BUILD_PROCESS";

    /// <summary>The variable's value for <paramref name="process"/>: "id:start time in UTC ticks".</summary>
    public static string Describe(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        return string.Create(CultureInfo.InvariantCulture, $"{process.Id}:{process.StartTime.ToUniversalTime().Ticks}");
    }

    /// <summary>Whether the process that <paramref name="description"/> (from <see cref="Describe"/>) names still runs; a malformed description names nothing that can be watched, so it counts as running.</summary>
    public static bool IsRunning(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var parts = description.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long ticks))
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(id);
            // Start times are derived from the boot time and differ by fractions of a millisecond
            // between two readers; a recycled id would have started long after.
            return !process.HasExited && Math.Abs(process.StartTime.ToUniversalTime().Ticks - ticks) < TimeSpan.TicksPerSecond;
        }
        catch (ArgumentException)
        {
            return false; // no process with that id
        }
        catch (InvalidOperationException)
        {
            return false; // it exited while being looked at
        }
    }
}

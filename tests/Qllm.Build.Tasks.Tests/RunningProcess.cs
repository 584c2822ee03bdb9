using System.Diagnostics;
using System.Text;

namespace Qllm.Build.Tasks.Tests;

/// <summary>A child process started by <see cref="DotnetProcess"/>.</summary>
internal sealed class RunningProcess(Process process, StringBuilder output)
{
    public ProcessResult Wait(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"dotnet {string.Join(' ', process.StartInfo.ArgumentList)} ran over {timeout}:\n{Text()}");
        }

        // The parameterless wait also waits for the redirected streams to end.
        process.WaitForExit();
        var result = new ProcessResult(process.ExitCode, Text());
        process.Dispose();
        return result;
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public string Text()
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}

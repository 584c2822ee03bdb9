using System.Diagnostics;
using System.Text;

namespace Qllm.Build.Tasks.Tests;

/// <summary>A child process started by <see cref="DotnetProcess"/>.</summary>
internal sealed class RunningProcess(Process process, StringBuilder output, StringBuilder standardOutput)
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
        var result = new ProcessResult(process.ExitCode, Text(), Locked(standardOutput));
        process.Dispose();
        return result;
    }

    /// <summary>The process's id.</summary>
    public int Id => process.Id;

    /// <summary>
    /// Waits until the output so far contains <paramref name="text"/>: true once it does, false if
    /// the process ends first. Over <paramref name="timeout"/>, the process and its children are
    /// killed and the test fails, as in <see cref="Wait"/>.
    /// </summary>
    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!Text().Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited)
            {
                // Its last lines may still be on their way from the pipes.
                process.WaitForExit();
                return Text().Contains(text, StringComparison.Ordinal);
            }

            if (watch.Elapsed > timeout)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Assert.Fail($"dotnet {string.Join(' ', process.StartInfo.ArgumentList)} did not say \"{text}\" in {timeout}:\n{Text()}");
            }

            Thread.Sleep(100);
        }

        return true;
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public void Interrupt() => ProcessSignal.Send(process.Id, "INT");

    /// <summary>SIGKILL to this process alone (<paramref name="entireProcessTree"/> false: its children live on) or to it and every descendant.</summary>
    public void Kill(bool entireProcessTree) => process.Kill(entireProcessTree);

    public string Text() => Locked(output);

    private static string Locked(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}

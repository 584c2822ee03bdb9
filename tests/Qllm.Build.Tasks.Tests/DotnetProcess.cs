using System.Diagnostics;
using System.Text;

namespace Qllm.Build.Tasks.Tests;

/// <summary>Runs `dotnet ARGS` as a child process with a clean MSBuild environment and returns its exit code and output.</summary>
internal static class DotnetProcess
{
    public static ProcessResult Run(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        Start(workingDirectory, arguments).Wait(timeout);

    /// <summary>Runs with <paramref name="environment"/> added to the child's environment (null: nothing added).</summary>
    public static ProcessResult Run(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        Start(workingDirectory, environment, arguments).Wait(timeout);

    /// <summary>Runs with <paramref name="input"/> as the child's standard input (which then ends).</summary>
    public static ProcessResult RunWithInput(string workingDirectory, TimeSpan timeout, string input, params string[] arguments) =>
        Launch(workingDirectory, null, input, arguments).Wait(timeout);

    public static RunningProcess Start(string workingDirectory, params string[] arguments) => Start(workingDirectory, null, arguments);

    public static RunningProcess Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        Launch(workingDirectory, environment, "", arguments);

    /// <summary>Starts the child; its standard input is <paramref name="input"/> and then ends, never the test host's.</summary>
    private static RunningProcess Launch(string workingDirectory, IReadOnlyDictionary<string, string>? environment, string input, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs under `dotnet test`, whose MSBuild variables would steer the child build.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        var standardOutput = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            Append(output, e.Data);
            Append(standardOutput, e.Data);
        };
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        return new RunningProcess(process, output, standardOutput);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Tests;

/// <summary>Runs `qllm ARGS` in process and captures its exit code, stdout and stderr.</summary>
internal sealed record QllmRun(int ExitCode, string Output, string Error)
{
    public static async Task<QllmRun> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await QllmCommandLine.RunAsync(args, output, error);
        return new QllmRun(code, output.ToString(), error.ToString());
    }
}

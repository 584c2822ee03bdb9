using Qllm.Engine.Quantization;
using Spectre.Console;

namespace Qllm.Tool.CommandLine;

/// <summary>
/// The live display of `qllm quantize` on a terminal: a bar of the blocks done, with the engine's
/// progress lines printed above it. The tool's only Spectre.Console code: everything else writes
/// plain lines, which is all that a redirected stderr (CI logs, the build's ToolTask, which parses
/// each line as an MSBuild message) may ever receive.
/// </summary>
internal static class QuantizeProgressDisplay
{
    /// <summary>
    /// Whether to show it: only on the process's own stderr when that is a terminal, and not with
    /// --json (whose readers are scripts). Any other writer (tests, a redirected stream) gets plain lines.
    /// </summary>
    public static bool IsWanted(TextWriter error, bool json) =>
        !json && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>
    /// Runs <paramref name="work"/> under the display, handing it where to send progress lines and
    /// block counts; the display stays on screen, at its last state, when the work ends or throws.
    /// </summary>
    public static T Run<T>(TextWriter error, Func<Action<string>, Action<QuantizationProgress>, T> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                // Indeterminate until the engine has loaded the model and knows how many blocks there are.
                var blocks = context.AddTask("loading", autoStart: true, maxValue: 1);
                blocks.IsIndeterminate = true;
                return work(
                    line => console.WriteLine($"qllm: {line}"),
                    progress =>
                    {
                        blocks.IsIndeterminate = false;
                        blocks.MaxValue = progress.BlockCount;
                        blocks.Value = progress.BlocksDone;
                        blocks.Description = progress.BlocksDone < progress.BlockCount
                            ? $"block {progress.BlocksDone + 1} of {progress.BlockCount}"
                            : $"{progress.BlockCount} blocks";
                    });
            });
    }
}

using System.CommandLine;
using Qllm.Setup;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands;

/// <summary>`qllm setup`: fetches stories15M, its tokenizer and the Brown texts; prints their paths.</summary>
internal static class SetupCommand
{
    public static Command Create(GlobalOptions global)
    {
        var command = new Command("setup", "Fetch stories15M, its tokenizer and the calibration/evaluation texts.");
        command.SetAction(async (result, cancellation) =>
        {
            var paths = await new DataSetup().EnsureAsync(global.ResolveDataDir(result), result.InvocationConfiguration.Error, cancellation);
            var stdout = result.InvocationConfiguration.Output;
            stdout.WriteLine($"model:       {paths.Model}");
            stdout.WriteLine($"tokenizer:   {paths.Tokenizer}");
            stdout.WriteLine($"calibration: {paths.CalibrationText}");
            stdout.WriteLine($"evaluation:  {paths.EvaluationText}");
            return ExitCodes.Success;
        });
        return command;
    }
}

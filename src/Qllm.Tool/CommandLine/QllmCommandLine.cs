using System.CommandLine;
using Qllm.Core.Errors;
using Qllm.Tool.Commands;
using Qllm.Tool.Commands.Cache;
using Qllm.Tool.Commands.Eval;
using Qllm.Tool.Commands.Inspect;
using Qllm.Tool.Commands.Quantize;
using Qllm.Tool.Commands.Tokenize;

namespace Qllm.Tool.CommandLine;

/// <summary>
/// Builds the `qllm` command tree and runs it: errors go to stderr in MSBuild's canonical form
/// with a code; exit codes are 0 success, 1 a coded error, 2 a bad command line, 130 cancelled.
/// </summary>
internal static class QllmCommandLine
{
    public static RootCommand Build(GlobalOptions options)
    {
        // Says what the defaults do (QuantizationRecipe.For), not the paper's full method, which is one --method among others.
        var root = new RootCommand(
            "Qllm: 4-bit quantization of LLaMA-family models. By default every preset rotates the model (Hadamard), rounds its weights with GPTQ "
            + "and, except at W6A6, trains QLLM's low-rank error correction on top; QLLM's channel reassembly runs only with --method qllm or reassembly-only.");
        options.AddTo(root);
        root.Subcommands.Add(SetupCommand.Create(options));
        root.Subcommands.Add(GenerateCommand.Create(options));
        root.Subcommands.Add(EvalCommand.Create(options));
        root.Subcommands.Add(ConvertCommand.Create(options));
        root.Subcommands.Add(PackModelCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create(options));
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create(options));
        root.Subcommands.Add(CacheCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellation = default)
    {
        var options = new GlobalOptions();
        var parse = Build(options).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"qllm: error {ErrorCodes.BadCommandLine}: {OneLine(problem.Message)}; see `qllm --help`");
            }

            return ExitCodes.BadCommandLine;
        }

        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(invocation, cancellation);
        }
        catch (QllmException e)
        {
            await error.WriteLineAsync(e.ToCanonicalString());
            if (parse.GetValue(options.Verbose))
            {
                await error.WriteLineAsync(e.ToString());
            }

            return ExitCodes.Error;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("qllm: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (!parse.GetValue(options.Verbose))
        {
            await error.WriteLineAsync($"qllm: error {ErrorCodes.Internal}: unexpected {e.GetType().Name}: {OneLine(e.Message)}; rerun with --verbose and report the stack trace");
            return ExitCodes.Error;
        }
    }

    /// <summary>
    /// A message of several lines (System.CommandLine lists choices one per line) as one line, its
    /// parts joined with "; ", because tools that read canonical errors take one line per error.
    /// The parser's messages end with a period; ours go on after a semicolon.
    /// </summary>
    internal static string OneLine(string message)
    {
        var parts = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            // "Must be one of:" introduces a list: its items follow after a space, not a new clause.
            if (line.Length > 0)
            {
                line.Append(line[^1] == ':' ? " " : "; ");
            }

            line.Append(part.EndsWith('.') ? part[..^1] : part);
        }

        return line.ToString();
    }
}

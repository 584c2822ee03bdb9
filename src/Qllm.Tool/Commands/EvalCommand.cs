using System.CommandLine;
using System.Text.Json;
using Qllm.Errors;
using Qllm.Engine.Evaluation;
using Qllm.Engine.Loading;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands;

/// <summary>`qllm eval MODEL --text FILE [--reference MODEL]`: perplexity, and mean KL and top-1 agreement against a reference.</summary>
internal static class EvalCommand
{
    public static Command Create(GlobalOptions global)
    {
        var model = new Argument<string>("MODEL") { Description = "A llama2.c .bin checkpoint or a Hugging Face folder." };
        var text = new Option<string>("--text") { Description = "The evaluation text (plain UTF-8).", Required = true };
        var reference = new Option<string?>("--reference") { Description = "A reference model (same vocabulary) for mean KL and top-1 agreement." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var maxWindows = new Option<int?>("--max-windows") { Description = "Evaluate only the first N windows." };
        var batchSize = new Option<int>("--batch-size") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 8 }.InRange(1, 4096);
        var command = new Command("eval", "Evaluate a model on a text.") { model, text, reference, json, maxWindows, batchSize };
        command.SetAction((result, cancellation) =>
        {
            var textPath = result.GetValue(text)!;
            if (!File.Exists(textPath))
            {
                throw new QllmException(ErrorCodes.InputNotFound, textPath, "the evaluation text does not exist", "pass a UTF-8 text file with --text (`qllm setup` writes evaluation.txt)");
            }

            var device = global.StartTorch(result);
            var tokenizerPath = result.GetValue(global.Tokenizer);
            using var loaded = ModelLoader.Load(result.GetValue(model)!, tokenizerPath, device);
            var referencePath = result.GetValue(reference);
            using var referenceModel = referencePath is null ? null : ModelLoader.Load(referencePath, tokenizerPath, device);
            var tokens = loaded.Tokenizer.Encode(File.ReadAllText(textPath));
            cancellation.ThrowIfCancellationRequested();
            var evaluation = PerplexityEvaluator.Evaluate(loaded.Model, tokens, loaded.Tokenizer.BosId, referenceModel?.Model, result.GetValue(maxWindows), result.GetValue(batchSize), textPath);
            var stdout = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new EvalReport(loaded.Source, textPath, evaluation.Windows, evaluation.Tokens, evaluation.Perplexity, evaluation.MeanKl, evaluation.Top1Agreement), EvalReportJson.Default.EvalReport));
            }
            else
            {
                stdout.WriteLine($"model:        {loaded.Source}");
                stdout.WriteLine($"text:         {textPath} ({evaluation.Windows} windows, {evaluation.Tokens} predicted tokens)");
                stdout.WriteLine($"perplexity:   {evaluation.Perplexity:F4}");
                if (evaluation.MeanKl is { } kl)
                {
                    stdout.WriteLine($"mean KL:      {kl:F6} nats vs {referencePath}");
                    stdout.WriteLine($"top-1 agree:  {evaluation.Top1Agreement:P2}");
                }
            }

            result.InvocationConfiguration.Error.WriteLine($"qllm: evaluated {evaluation.Tokens} positions in {evaluation.Seconds:F1} s on {device.type.ToString().ToLowerInvariant()} ({evaluation.TokensPerSecond:F0} tokens/s)");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}

using System.CommandLine;
using System.Text.Json;
using Qllm.Artifacts.Container;
using Qllm.Engine.Evaluation;
using Qllm.Engine.Loading;
using Qllm.Core.Errors;
using Qllm.Core.IO;
using Qllm.Runtime;
using Qllm.Tool.CommandLine;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Tool.Commands.Eval;

/// <summary>
/// `qllm eval MODEL --text FILE [--reference MODEL]`: perplexity, and mean KL and top-1 agreement
/// against a reference. An artifact is scored by Qllm.Runtime (what apps run) unless `--engine torch`.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(GlobalOptions global)
    {
        var model = new Argument<string>("MODEL") { Description = "A llama2.c .bin checkpoint, a Hugging Face folder, or a quantized artifact (.qllm)." };
        var text = new Option<string>("--text") { Description = "The evaluation text (plain UTF-8).", Required = true };
        var reference = new Option<string?>("--reference") { Description = "A reference model (same vocabulary) for mean KL and top-1 agreement." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var maxWindows = new Option<int?>("--max-windows") { Description = "Evaluate only the first N windows." };
        var engine = new Option<string>("--engine") { Description = "What scores an artifact: runtime (managed, what apps run) or torch (the engine).", DefaultValueFactory = _ => "runtime" };
        engine.AcceptOnlyFromAmong("runtime", "torch");
        var threads = new Option<int>("--threads") { Description = "Windows scored at once, each on one thread (default: every core).", DefaultValueFactory = _ => Environment.ProcessorCount }.InRange(1, 1024);
        var command = new Command("eval", "Evaluate a model on a text.") { model, text, reference, json, maxWindows, engine, threads };
        command.SetAction((result, cancellation) =>
        {
            var textPath = result.GetValue(text)!;
            if (!File.Exists(textPath))
            {
                throw new QllmException(ErrorCodes.InputNotFound, textPath, "the evaluation text does not exist", "pass a UTF-8 text file with --text (`qllm setup` writes evaluation.txt)");
            }

            // Read (and checked) before any model is loaded: a binary or non-UTF-8 file fails at once.
            var evaluationText = TextFile.ReadAllText(textPath, "the evaluation text");
            var device = global.StartTorch(result);
            var tokenizerPath = result.GetValue(global.Tokenizer);
            var modelPath = result.GetValue(model)!;
            bool runtime = result.GetValue(engine) == "runtime" && ArtifactFormat.IsArtifactFile(modelPath);
            int windowThreads = result.GetValue(threads);
            using var quantized = runtime ? QuantizedLanguageModel.Load(modelPath, new RuntimeOptions { Threads = 1 }) : null;
            using var loaded = runtime ? null : ModelLoader.Load(modelPath, tokenizerPath, device);
            var (scorer, tokenizer, source) = quantized is not null
                ? (WindowLogits.Of(quantized), quantized.Tokenizer, quantized.Source)
                : (WindowLogits.Of(loaded!.Model), loaded!.Tokenizer, loaded.Source);
            var referencePath = result.GetValue(reference);
            using var referenceModel = referencePath is null ? null : ModelLoader.Load(referencePath, tokenizerPath, device);
            var tokens = tokenizer.Encode(evaluationText);
            cancellation.ThrowIfCancellationRequested();
            var referenceScorer = referenceModel is null ? null : WindowLogits.Of(referenceModel.Model);

            // Whole windows, one per thread, each window on one thread: no hand-offs. A model in the
            // engine then computes on its window's thread alone, rather than every window asking
            // libtorch's pool for every core at once (5% slower for the pair).
            int torchThreads = torch.get_num_threads();
            if (device.type == DeviceType.CPU)
            {
                torch.set_num_threads(1);
            }

            EvaluationResult evaluation;
            try
            {
                evaluation = PerplexityEvaluator.Evaluate(scorer, tokens, tokenizer.BosId, referenceScorer, result.GetValue(maxWindows), windowThreads, textPath, cancellation);
            }
            finally
            {
                torch.set_num_threads(torchThreads);
            }

            var stdout = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new EvalReport(source, textPath, evaluation.Windows, evaluation.Tokens, evaluation.Perplexity, evaluation.MeanKl, evaluation.Top1Agreement), ReportJson.Default.EvalReport));
            }
            else
            {
                stdout.WriteLine($"model:        {source}");
                stdout.WriteLine($"text:         {textPath} ({evaluation.Windows} windows, {evaluation.Tokens} predicted tokens)");
                stdout.WriteLine($"perplexity:   {evaluation.Perplexity:F4}");
                if (evaluation.MeanKl is { } kl)
                {
                    stdout.WriteLine($"mean KL:      {kl:F6} nats vs {referencePath}");
                    stdout.WriteLine($"top-1 agree:  {evaluation.Top1Agreement:P2}");
                }
            }

            result.InvocationConfiguration.Error.WriteLine($"qllm: evaluated {evaluation.Tokens} positions in {evaluation.Seconds:F1} s on {(runtime ? "Qllm.Runtime" : device.type.ToString().ToLowerInvariant())}{(referenceModel is null ? "" : $" against the reference on {device.type.ToString().ToLowerInvariant()}")}, {windowThreads} windows at once ({evaluation.TokensPerSecond:F0} tokens/s)");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}

using System.CommandLine;
using Qllm.Artifacts.Container;
using Qllm.Engine.Generation;
using Qllm.Engine.Loading;
using Qllm.Runtime;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands;

/// <summary>
/// `qllm generate MODEL`: continues a prompt; stdout gets the prompt and the continuation only. An
/// artifact runs through Qllm.Runtime, the managed code apps use (TorchSharp is never loaded),
/// unless `--engine torch` asks for the engine's model.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(GlobalOptions global)
    {
        var model = new Argument<string>("MODEL") { Description = "A llama2.c .bin checkpoint, a Hugging Face folder, or a quantized artifact (.qllm)." };
        var prompt = new Option<string>("--prompt") { Description = "The text to continue (default: empty, BOS only).", DefaultValueFactory = _ => string.Empty };
        var maxTokens = new Option<int>("--max-tokens") { Description = "The most tokens to generate.", DefaultValueFactory = _ => 256 }.InRange(1, 1_000_000);
        var temperature = new Option<double>("--temperature") { Description = "0 for greedy decoding, else the sampling temperature.", DefaultValueFactory = _ => 0 }.InRange(0, 100);
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling threshold.", DefaultValueFactory = _ => 0.9 }.InRange(1e-6, 1);
        var seed = new Option<int>("--seed") { Description = "Seed of the sampler.", DefaultValueFactory = _ => 42 };
        var engine = new Option<string>("--engine") { Description = "What runs an artifact: runtime (managed, what apps use) or torch (the engine).", DefaultValueFactory = _ => "runtime" };
        engine.AcceptOnlyFromAmong("runtime", "torch");
        var threads = new Option<int>("--threads") { Description = "Threads of the runtime (default: every core).", DefaultValueFactory = _ => Environment.ProcessorCount }.InRange(1, 1024);
        var command = new Command("generate", "Generate text from a model.") { model, prompt, maxTokens, temperature, topP, seed, engine, threads };
        command.SetAction((result, cancellation) =>
        {
            var settings = new GenerationOptions(result.GetValue(maxTokens), result.GetValue(temperature), result.GetValue(topP), result.GetValue(seed));
            var stdout = result.InvocationConfiguration.Output;
            void Print(string text)
            {
                stdout.Write(text);
                stdout.Flush();
            }

            var path = result.GetValue(model)!;
            if (result.GetValue(engine) == "runtime" && ArtifactFormat.IsArtifactFile(path))
            {
                using var quantized = QuantizedLanguageModel.Load(path, new RuntimeOptions { Threads = result.GetValue(threads) });
                var generated = quantized.Generate(result.GetValue(prompt)!, settings, Print, cancellation);
                stdout.WriteLine();
                Report(result, generated, $"Qllm.Runtime, {result.GetValue(threads)} threads");
                return Task.FromResult(ExitCodes.Success);
            }

            var device = global.StartTorch(result);
            using var loaded = ModelLoader.Load(path, result.GetValue(global.Tokenizer), device);
            var generation = TextGenerator.Generate(loaded.Model, loaded.Tokenizer, result.GetValue(prompt)!, settings, Print, cancellation);
            stdout.WriteLine();
            Report(result, generation, device.type.ToString().ToLowerInvariant());
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    // stderr only, so that stdout stays the text alone. Prompt and decode are reported apart: the
    // prompt's speed (BOS and the prompt in one pass, then the first sample) says how long a user
    // waits for the first token, the decode speed what every later token costs.
    private static void Report(ParseResult result, GenerationResult generation, string where)
    {
        double promptTokensPerSecond = generation.PromptSeconds > 0 ? generation.PromptTokens / generation.PromptSeconds : 0;
        result.InvocationConfiguration.Error.WriteLine(
            $"qllm: {generation.GeneratedTokens} tokens on {where}; prompt: {generation.PromptTokens} tokens, {promptTokensPerSecond:F1} tokens/s, first token after {generation.PromptSeconds * 1000:F0} ms; decode: {generation.DecodeTokensPerSecond:F1} tokens/s; stopped: {generation.StopReason}");
    }
}

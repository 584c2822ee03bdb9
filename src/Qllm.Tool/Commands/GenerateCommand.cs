using Qllm.Runtime;
using System.CommandLine;
using Qllm.Engine.Generation;
using Qllm.Engine.Loading;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands;

/// <summary>`qllm generate MODEL`: continues a prompt; stdout gets the prompt and the continuation only.</summary>
internal static class GenerateCommand
{
    public static Command Create(GlobalOptions global)
    {
        var model = new Argument<string>("MODEL") { Description = "A llama2.c .bin checkpoint or a Hugging Face folder." };
        var prompt = new Option<string>("--prompt") { Description = "The text to continue (default: empty, BOS only).", DefaultValueFactory = _ => string.Empty };
        var maxTokens = new Option<int>("--max-tokens") { Description = "The most tokens to generate.", DefaultValueFactory = _ => 256 }.InRange(1, 1_000_000);
        var temperature = new Option<double>("--temperature") { Description = "0 for greedy decoding, else the sampling temperature.", DefaultValueFactory = _ => 0 }.InRange(0, 100);
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling threshold.", DefaultValueFactory = _ => 0.9 }.InRange(1e-6, 1);
        var seed = new Option<int>("--seed") { Description = "Seed of the sampler.", DefaultValueFactory = _ => 42 };
        var command = new Command("generate", "Generate text from a model.") { model, prompt, maxTokens, temperature, topP, seed };
        command.SetAction((result, cancellation) =>
        {
            var device = global.StartTorch(result);
            using var loaded = ModelLoader.Load(result.GetValue(model)!, result.GetValue(global.Tokenizer), device);
            var settings = new GenerationOptions(result.GetValue(maxTokens), result.GetValue(temperature), result.GetValue(topP), result.GetValue(seed));
            var stdout = result.InvocationConfiguration.Output;
            var generation = TextGenerator.Generate(loaded.Model, loaded.Tokenizer, result.GetValue(prompt)!, settings, text =>
            {
                stdout.Write(text);
                stdout.Flush();
            }, cancellation);
            stdout.WriteLine();
            result.InvocationConfiguration.Error.WriteLine(
                $"qllm: {generation.GeneratedTokens} tokens on {device.type.ToString().ToLowerInvariant()}, {generation.DecodeTokensPerSecond:F1} tokens/s, first token after {generation.PromptSeconds * 1000:F0} ms, stopped: {generation.StopReason}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}

using AppWithModel;
using Qllm.Runtime;

// Prints the prompt and its continuation, as `qllm generate` does.
var prompt = args.Length > 0 ? string.Join(' ', args) : "Once upon a time";
using var model = QuantizedModels.Stories15M.Load();
Console.WriteLine(model.Generate(prompt, new GenerationOptions(MaxTokens: 128)).Text);

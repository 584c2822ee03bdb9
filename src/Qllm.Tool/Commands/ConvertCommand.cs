using System.CommandLine;
using Qllm.Engine.Conversion;
using Qllm.Tool.CommandLine;
using static TorchSharp.torch;

namespace Qllm.Tool.Commands;

/// <summary>`qllm convert MODEL.bin --output DIR`: a llama2.c checkpoint becomes a Hugging Face folder.</summary>
internal static class ConvertCommand
{
    public static Command Create(GlobalOptions global)
    {
        var model = new Argument<string>("MODEL") { Description = "A llama2.c .bin checkpoint." };
        var output = new Option<string>("--output") { Description = "The Hugging Face folder to write.", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "Tensor type in model.safetensors.", DefaultValueFactory = _ => "f32" }.AcceptOnlyFromAmong("f32", "f16", "bf16");
        var maxShard = new Option<long?>("--max-shard-bytes") { Description = "Split the weights into shards of at most this many bytes (with model.safetensors.index.json)." };
        var command = new Command("convert", "Convert a llama2.c checkpoint into a Hugging Face LLaMA folder.") { model, output, dtype, maxShard };
        command.SetAction((result, cancellation) =>
        {
            global.StartTorch(result);
            var type = result.GetValue(dtype) switch { "f16" => ScalarType.Float16, "bf16" => ScalarType.BFloat16, _ => ScalarType.Float32 };
            var folder = result.GetValue(output)!;
            Llama2CToHuggingFace.Convert(result.GetValue(model)!, result.GetValue(global.Tokenizer), folder, type, result.GetValue(maxShard));
            result.InvocationConfiguration.Output.WriteLine(Path.GetFullPath(folder));
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}

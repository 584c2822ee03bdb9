using System.CommandLine;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands.Tokenize;

/// <summary>
/// `qllm tokenize MODEL (--text FILE | --prompt TEXT) [--json]`: prints the ids the model's
/// tokenizer gives, on one line separated by spaces (as llama.cpp's llama-tokenize), or
/// <c>{"ids": [...]}</c> with --json, so users and checks can compare tokenizations. The ids start
/// with BOS where the model's prompts do (--no-bos leaves it out). Only the tokenizer is read: no
/// weights, no TorchSharp.
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create(GlobalOptions global)
    {
        var model = new Argument<string>("MODEL") { Description = "A llama2.c .bin checkpoint (tokenizer.bin beside it), a Hugging Face folder (tokenizer.json or tokenizer.model), or a quantized artifact (.qllm)." };
        var text = new Option<string?>("--text") { Description = "A UTF-8 text file to tokenize, whole." };
        var prompt = new Option<string?>("--prompt") { Description = "The text to tokenize." };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\": [...]} instead of the ids separated by spaces." };
        var noBos = new Option<bool>("--no-bos") { Description = "Leave out the BOS id the model's prompts start with." };
        var command = new Command("tokenize", "Print the token ids of a text, as the model's tokenizer encodes it.") { model, text, prompt, json, noBos };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(text) is null) == (result.GetResult(prompt) is null))
            {
                result.AddError("give exactly one of --text FILE and --prompt TEXT");
            }
        });
        command.SetAction(result =>
        {
            var input = result.GetValue(prompt) ?? ReadText(result.GetValue(text)!);
            var tokenizer = CommandTokenizer.Open(result.GetValue(model)!, result.GetValue(global.Tokenizer));
            var ids = new List<int>();
            if (tokenizer.AddsBos && !result.GetValue(noBos))
            {
                ids.Add(tokenizer.Tokenizer.BosId);
            }

            ids.AddRange(tokenizer.Tokenizer.Encode(input));
            var line = string.Join(result.GetValue(json) ? ", " : " ", ids);
            result.InvocationConfiguration.Output.WriteLine(result.GetValue(json) ? $"{{\"ids\": [{line}]}}" : line);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string ReadText(string path)
    {
        if (!File.Exists(path))
        {
            throw new Core.Errors.QllmException(Core.Errors.ErrorCodes.InputNotFound, path, "the text file does not exist", "check the path given to --text");
        }

        return File.ReadAllText(path);
    }
}

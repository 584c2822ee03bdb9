using System.CommandLine;
using System.Text.Json;
using Qllm.Artifacts.Container;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands.Inspect;

/// <summary>
/// `qllm inspect ARTIFACT [--json]`: what a 4-bit artifact holds (config, quantization, inputs,
/// tokenizer, tensors). It reads the artifact through Qllm.Runtime's reader, which maps it and
/// verifies its digest, and never starts TorchSharp: it answers in the time the digest takes.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var artifact = new Argument<string>("ARTIFACT") { Description = "A 4-bit artifact (.qllm) written by qllm quantize." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("inspect", "Show what a 4-bit artifact holds: config, quantization, inputs, tokenizer and tensors.") { artifact, json };
        command.SetAction(result =>
        {
            InspectReport report;
            using (var reader = ArtifactReader.Open(result.GetValue(artifact)!))
            {
                report = ArtifactInspection.Read(reader);
            }

            var stdout = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(report, ReportJson.Default.InspectReport));
            }
            else
            {
                InspectText.Write(stdout, report);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

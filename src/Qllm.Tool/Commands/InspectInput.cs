namespace Qllm.Tool.Commands;

/// <summary>An input of the quantization run (model, tokenizer, calibration text) as the metadata records it.</summary>
internal sealed record InspectInput(string? Path, string? Sha256);

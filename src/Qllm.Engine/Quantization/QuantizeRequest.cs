namespace Qllm.Engine.Quantization;

/// <summary>One `qllm quantize` run: inputs, output and options.</summary>
/// <param name="ModelPath">A llama2.c checkpoint or a Hugging Face folder.</param>
/// <param name="TokenizerPath">The tokenizer, or null to find it beside the model.</param>
/// <param name="CalibrationPath">The calibration text.</param>
/// <param name="OutputPath">The artifact to write.</param>
/// <param name="Options">Every quantization option.</param>
public sealed record QuantizeRequest(string ModelPath, string? TokenizerPath, string CalibrationPath, string OutputPath, QuantizeOptions Options);

namespace Qllm.Engine.Quantization;

/// <summary>One `qllm quantize` run: inputs, output and options.</summary>
/// <param name="ModelPath">A llama2.c checkpoint or a Hugging Face folder.</param>
/// <param name="TokenizerPath">The tokenizer, or null to find it beside the model.</param>
/// <param name="CalibrationPath">The calibration text.</param>
/// <param name="OutputPath">The artifact to write.</param>
/// <param name="Options">Every quantization option.</param>
/// <param name="StopAfterLayers">
/// A benchmark of the layer pass: quantize only the first this many decoder layers, report their
/// times, and write no artifact (a model quantized in part is not one); null quantizes the whole model.
/// </param>
public sealed record QuantizeRequest(string ModelPath, string? TokenizerPath, string CalibrationPath, string OutputPath, QuantizeOptions Options, int? StopAfterLayers = null);

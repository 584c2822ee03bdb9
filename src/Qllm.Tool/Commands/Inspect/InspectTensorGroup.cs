using System.Text.Json.Serialization;

namespace Qllm.Tool.Commands.Inspect;

/// <summary>The tensors of one kind and dtype (for example the packed 4-bit weight codes): how many, how many bytes.</summary>
/// <param name="Kind">What the tensors are: "weight codes", "embedding codes", "scales", "zero points", …</param>
/// <param name="DType">Their element type as the manifest names it ("dtype" in JSON, as in the manifest, not camelCase's "dType").</param>
/// <param name="Count">How many tensors.</param>
/// <param name="Bytes">Their bytes in the data section (without alignment padding).</param>
internal sealed record InspectTensorGroup(string Kind, [property: JsonPropertyName("dtype")] string DType, int Count, long Bytes);

using System.Text.Json.Nodes;
using Qllm.Artifacts;
using Qllm.Runtime.Model;

namespace Qllm.Tool.Commands;

/// <summary>
/// Gathers what `qllm inspect` reports from an open artifact. The config and quantization sections
/// are read as the runtime reads them (missing or mistyped, the artifact is malformed: QLLM2011);
/// the rest of the metadata is reported as far as it is there, since it only describes the run.
/// </summary>
internal static class ArtifactInspection
{
    public static InspectReport Read(ArtifactReader reader)
    {
        var metadata = reader.Metadata;
        var config = ArtifactModelMetadata.ReadConfig(metadata, reader.Source);
        var tokenizerTensor = reader.GetTensor(ArtifactTensorNames.Tokenizer);
        var tokenizerFormat = tokenizerTensor.Attributes.TryGetValue("format", out var format) ? format.ToString() : "llama2c";
        var tokenizer = ArtifactModelMetadata.ReadTokenizer(reader, config.VocabSize);
        return new InspectReport(
            Path.GetFullPath(reader.Source),
            reader.Length,
            reader.FormatVersion,
            reader.Digest,
            Text(metadata["producer"]),
            new InspectConfig(
                config.Dim, config.HiddenDim, config.Layers, config.Heads, config.KvHeads, config.VocabSize, config.SeqLen,
                config.RmsNormEps, config.RopeTheta, config.TiedEmbeddings, config.InterleavedRope ? "interleaved" : "half-split"),
            Quantization(metadata, reader.Source),
            Inputs(metadata["inputs"] as JsonObject),
            new InspectTokenizer(tokenizerFormat, tokenizer.VocabSize, tokenizerTensor.Length),
            Blocks(metadata["blocks"] as JsonArray),
            TensorGroups(reader.TensorsInOrder));
    }

    private static InspectQuantization Quantization(JsonObject metadata, string source)
    {
        var spec = ArtifactModelMetadata.ReadQuantization(metadata, source);
        var options = metadata["options"] is JsonObject recorded ? recorded.DeepClone().AsObject() : [];

        // Artifacts written before rotation and weight rounding were options predate these two
        // fields; they were quantized without rotation and with round-to-nearest, the only choices then.
        return new InspectQuantization(
            Text(options["preset"]),
            spec.WeightBits,
            spec.ActivationBits,
            spec.WeightGroupSize,
            spec.EmbeddingBits,
            spec.QuantizeAttentionStates,
            Text(options["method"]),
            Text(options["rotation"]) ?? "none",
            Text(options["weightRounding"]) ?? "nearest",
            options,
            metadata["rotation"]?.DeepClone() as JsonObject);
    }

    private static Dictionary<string, InspectInput> Inputs(JsonObject? inputs) =>
        inputs is null
            ? []
            : inputs.Where(input => input.Value is JsonObject)
                .ToDictionary(input => input.Key, input => new InspectInput(Text(input.Value!["path"]), Text(input.Value!["sha256"])), StringComparer.Ordinal);

    private static List<InspectBlock> Blocks(JsonArray? blocks)
    {
        var read = new List<InspectBlock>();
        foreach (var block in (blocks ?? []).OfType<JsonObject>())
        {
            if (Number<int>(block["block"]) is { } index && Number<int>(block["firstLayer"]) is { } first && Number<int>(block["layers"]) is { } layers
                && Number<double>(block["lossBefore"]) is { } before && Number<double>(block["lossAfter"]) is { } after)
            {
                // A point left as it was records a null threshold.
                var reassembled = (block["points"] as JsonArray ?? []).OfType<JsonObject>().Count(point => point["threshold"] is not null);
                read.Add(new InspectBlock(index, first, layers, before, after, reassembled));
            }
        }

        return read;
    }

    private static List<InspectTensorGroup> TensorGroups(IReadOnlyList<ArtifactTensorInfo> tensors) =>
    [
        .. tensors
            .GroupBy(tensor => (Kind: TensorKinds.Of(tensor), tensor.DType))
            .Select(group => new InspectTensorGroup(group.Key.Kind, ArtifactDTypes.Name(group.Key.DType), group.Count(), group.Sum(tensor => tensor.Length))),
    ];

    /// <summary>A string value as recorded, any other value as its JSON text, null when absent.</summary>
    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };

    private static T? Number<T>(JsonNode? node)
        where T : struct =>
        node is JsonValue value && value.TryGetValue<T>(out var number) ? number : null;
}

using Qllm.Artifacts.Container;
using Qllm.Artifacts.Schema;

namespace Qllm.Tool.Commands.Inspect;

/// <summary>
/// Gathers what `qllm inspect` reports from an open artifact, through the schema that writes it
/// (<see cref="ArtifactSchema"/>). The config and quantization sections are read as the runtime
/// reads them (missing or mistyped, the artifact is malformed: QLLM2011); the rest of the metadata
/// is reported as far as it is there, since it only describes the run.
/// </summary>
internal static class ArtifactInspection
{
    public static InspectReport Read(ArtifactReader reader)
    {
        var metadata = reader.Metadata;
        var config = ArtifactSchema.ReadConfig(metadata, reader.Source);
        var tokenizerTensor = reader.GetTensor(ArtifactTensorNames.Tokenizer);
        var tokenizer = ArtifactSchema.ReadTokenizer(reader, config.VocabSize);
        var spec = ArtifactSchema.ReadQuantization(metadata, reader.Source);
        var options = ArtifactSchema.ReadOptions(metadata);
        return new InspectReport(
            Path.GetFullPath(reader.Source),
            reader.Length,
            reader.FormatVersion,
            reader.Digest,
            ArtifactSchema.ReadProducer(metadata),
            config,
            new InspectQuantization(
                options.Preset,
                spec.WeightBits,
                spec.ActivationBits,
                spec.WeightGroupSize,
                spec.EmbeddingBits,
                spec.QuantizeAttentionStates,
                options.Method,
                options.Rotation,
                options.WeightRounding,
                options.All,
                ArtifactSchema.ReadRotation(metadata)),
            ArtifactSchema.ReadInputs(metadata),
            new InspectTokenizer(ArtifactSchema.ReadTokenizerFormat(reader), tokenizer.VocabSize, tokenizerTensor.Length),
            [
                .. ArtifactSchema.ReadBlocks(metadata).Select(block => new InspectBlock(
                    block.Block, block.FirstLayer, block.Layers, block.LossBefore, block.LossAfter, block.Points.Count(point => point.Threshold is not null))),
            ],
            TensorGroups(reader.TensorsInOrder));
    }

    private static List<InspectTensorGroup> TensorGroups(IReadOnlyList<ArtifactTensorInfo> tensors) =>
    [
        .. tensors
            .GroupBy(tensor => (Kind: TensorKinds.Of(tensor), tensor.DType))
            .Select(group => new InspectTensorGroup(group.Key.Kind, ArtifactDTypes.Name(group.Key.DType), group.Count(), group.Sum(tensor => tensor.Length))),
    ];
}

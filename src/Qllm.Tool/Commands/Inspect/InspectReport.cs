using Qllm.Artifacts.Schema;

namespace Qllm.Tool.Commands.Inspect;

/// <summary>`qllm inspect --json`'s object: what an artifact holds, as its header, metadata and manifest record it.</summary>
internal sealed record InspectReport(
    string File,
    long Bytes,
    int FormatVersion,
    string Sha256,
    string? Producer,
    LlamaConfig Config,
    InspectQuantization Quantization,
    IReadOnlyDictionary<string, ArtifactInput> Inputs,
    InspectTokenizer Tokenizer,
    IReadOnlyList<InspectBlock> Blocks,
    IReadOnlyList<InspectTensorGroup> Tensors);

namespace Qllm.Tool.Commands.Inspect;

/// <summary>The tokenizer the artifact carries: its file format, its vocabulary and its size in bytes.</summary>
internal sealed record InspectTokenizer(string Format, int VocabSize, long Bytes);

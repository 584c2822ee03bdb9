using System.Text.Json.Serialization;

namespace Qllm.Tool.Commands.Eval;

/// <summary>`eval --json`'s object: model, text, windows, tokens, perplexity, and meanKl/top1Agreement with a reference.</summary>
internal sealed record EvalReport(
    string Model,
    string Text,
    int Windows,
    long Tokens,
    double Perplexity,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? MeanKl,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Top1Agreement);

using System.Globalization;
using System.Text.Json.Nodes;
using Qllm.Artifacts.Schema;

namespace Qllm.Tool.Commands.Inspect;

/// <summary>`qllm inspect`'s plain output: one labelled line per fact, then the tensors by kind.</summary>
internal static class InspectText
{
    private const int LabelWidth = 14;

    /// <summary>"heads 48 = 12×4 Hadamard": the site, its order, the dense factor times the Walsh–Hadamard power of two, and its kind.</summary>
    private static string Transform(KeyValuePair<string, JsonNode?> site) =>
        site.Value is JsonObject t
            ? Invariant($"{site.Key} {Value(t["order"])} = {Value(t["factor"])}×{Value(t["powerOfTwo"])} {Value(t["kind"])}{(t["signs"]?.GetValue<bool>() == true ? " with random signs" : string.Empty)}")
            : site.Key;

    /// <summary>The options printed on lines of their own rather than in the list of the others.</summary>
    private static readonly HashSet<string> OwnLines = new(StringComparer.Ordinal) { "preset", "method", "rotation", "weightRounding" };

    public static void Write(TextWriter output, InspectReport report)
    {
        var c = report.Config;
        var q = report.Quantization;
        Line(output, "file", report.File);
        Line(output, "bytes", Count(report.Bytes));
        Line(output, "format", $"version {report.FormatVersion}");
        Line(output, "sha256", report.Sha256);
        if (report.Producer is not null)
        {
            Line(output, "producer", report.Producer);
        }

        Line(output, "model", Invariant($"dim {c.Dim}, hidden {c.HiddenDim}, layers {c.Layers}, heads {c.Heads}, kv heads {c.KvHeads}, vocabulary {c.VocabSize}, context {c.SeqLen}"));
        Line(output, string.Empty, Invariant($"rmsNormEps {c.RmsNormEps:R}, ropeTheta {c.RopeTheta:R}, {(c.TiedEmbeddings ? "tied" : "separate")} embedding and classifier, {ArtifactSchema.Name(c.RopeLayout)} rotary pairs"));
        // Only models that have them get this line, so an older artifact's report reads as before.
        var family = new List<string>();
        if (c.RopeScaling is { } scaling)
        {
            family.Add(Invariant($"rope scaling llama3 (factor {scaling.Factor:R}, low/high frequency factors {scaling.LowFreqFactor:R}/{scaling.HighFreqFactor:R}, original context {scaling.OriginalContext})"));
        }

        if (c.AttentionBias)
        {
            family.Add("q/k/v biases");
        }

        if (c.SlidingWindow is { } window)
        {
            family.Add(Invariant($"sliding window {window} (context capped at it)"));
        }

        if (family.Count > 0)
        {
            Line(output, string.Empty, string.Join(", ", family));
        }

        var weights = q.WeightGroupSize is { } group ? Invariant($"{q.WeightBits}-bit in groups of {group} columns") : Invariant($"{q.WeightBits}-bit per row");
        var activations = q.ActivationBits >= 16 ? "16-bit (weight-only)" : Invariant($"{q.ActivationBits}-bit per token");
        var states = q.QuantizeAttentionStates ? "quantized" : "not quantized";
        Line(output, "quantization", Invariant($"{q.Preset ?? "custom"}: weights {weights}, activations {activations}, embedding {q.EmbeddingBits}-bit per row, attention states {states}"));
        var others = q.Options.Where(option => !OwnLines.Contains(option.Key)).Select(option => $"{option.Key} {Value(option.Value)}");
        Line(output, "method", $"{q.Method ?? "not recorded"}: {string.Join(", ", others)}");
        Line(output, "rotation", q.Transforms?["transforms"] is JsonObject transforms ? $"{q.Rotation}, online: {string.Join(", ", transforms.Select(Transform))}" : q.Rotation);
        Line(output, "rounding", q.WeightRounding);
        var label = "inputs";
        foreach (var (name, input) in report.Inputs)
        {
            Line(output, label, $"{name,-12} {input.Path ?? "?"}  sha256 {input.Sha256 ?? "?"}");
            label = string.Empty;
        }

        Line(output, "tokenizer", Invariant($"{report.Tokenizer.Format}, {report.Tokenizer.VocabSize} tokens, {Count(report.Tokenizer.Bytes)} bytes"));
        label = "blocks";
        foreach (var block in report.Blocks)
        {
            Line(output, label, Invariant($"{block.Block} (layers {block.FirstLayer}-{block.FirstLayer + block.Layers - 1}): loss {block.LossBefore:E3} -> {block.LossAfter:E3}, {block.ReassembledPoints} points reassembled"));
            label = string.Empty;
        }

        Line(output, "tensors", $"{"kind",-36} {"dtype",-5} {"count",6} {"bytes",14}");
        foreach (var tensors in report.Tensors)
        {
            Line(output, string.Empty, $"{TensorKinds.Describe(tensors.Kind, tensors.DType),-36} {tensors.DType,-5} {tensors.Count,6} {Count(tensors.Bytes),14}");
        }

        Line(output, string.Empty, $"{"total",-36} {string.Empty,-5} {report.Tensors.Sum(t => t.Count),6} {Count(report.Tensors.Sum(t => t.Bytes)),14}");
    }

    private static void Line(TextWriter output, string label, string text) => output.WriteLine($"{label,-LabelWidth}{text}");

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Value(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString() ?? "null";
}

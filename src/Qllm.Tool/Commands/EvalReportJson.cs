using System.Text.Json.Serialization;

namespace Qllm.Tool.Commands;

/// <summary>Source-generated camelCase serialization of <see cref="EvalReport"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EvalReport))]
internal sealed partial class EvalReportJson : JsonSerializerContext;

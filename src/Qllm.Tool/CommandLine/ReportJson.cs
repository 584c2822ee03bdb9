using System.Text.Json.Serialization;
using Qllm.Tool.Commands.Cache;
using Qllm.Tool.Commands.Eval;
using Qllm.Tool.Commands.Inspect;
using Qllm.Tool.Commands.Quantize;

namespace Qllm.Tool.CommandLine;

/// <summary>Source-generated camelCase serialization of every report a command prints with <c>--json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CacheListReport))]
[JsonSerializable(typeof(CacheVerifyReport))]
[JsonSerializable(typeof(CacheTrimReport))]
[JsonSerializable(typeof(CacheClearReport))]
[JsonSerializable(typeof(EvalReport))]
[JsonSerializable(typeof(InspectReport))]
[JsonSerializable(typeof(QuantizeReport))]
internal sealed partial class ReportJson : JsonSerializerContext;

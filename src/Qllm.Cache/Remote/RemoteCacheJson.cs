using System.Text.Json.Serialization;

namespace Qllm.Cache.Remote;

/// <summary>
/// Source-generated JSON for the shared tier's manifests (no reflection inside MSBuild). As for
/// the local store's files, a manifest with a null or missing property is unreadable rather than
/// a record whose non-nullable properties are null.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(RemoteManifest))]
internal sealed partial class RemoteCacheJson : JsonSerializerContext;

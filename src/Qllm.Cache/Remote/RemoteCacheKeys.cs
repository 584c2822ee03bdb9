using System.Globalization;

namespace Qllm.Cache.Remote;

/// <summary>
/// The shared tier's key names. The version segment lets a later layout live beside this one on
/// the same server; the writer segment keeps two publications of one key from sharing chunks.
/// </summary>
internal static class RemoteCacheKeys
{
    /// <summary>The manifest of <paramref name="key"/>: <c>qllm:v1:{key}</c>.</summary>
    public static string Manifest(string key) => $"qllm:v1:{key}";

    /// <summary>Chunk <paramref name="index"/> of <paramref name="writer"/>'s publication of <paramref name="key"/>: <c>qllm:v1:{key}:{writer}:{index}</c>.</summary>
    public static string Chunk(string key, string writer, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"qllm:v1:{key}:{writer}:{index}");
}

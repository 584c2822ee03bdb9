using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Qllm.Artifacts.Tests.Container;

/// <summary>
/// Builds artifact files byte by byte from the documented layout, independently of the writer under
/// test, so that hostile files can carry a correct SHA-256 trailer and reach the deeper checks.
/// </summary>
internal static class RawArtifact
{
    public static byte[] Build(
        string manifestJson,
        byte[] data,
        uint version = 1,
        uint flags = 0,
        ulong? manifestLength = null,
        string magic = "QLLMART\0",
        byte paddingByte = 0)
    {
        var manifest = Encoding.UTF8.GetBytes(manifestJson);
        var dataStart = (24 + manifest.Length + 63) / 64 * 64;
        var bytes = new byte[dataStart + data.Length + 32];
        Encoding.ASCII.GetBytes(magic).CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), version);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), manifestLength ?? (ulong)manifest.Length);
        manifest.CopyTo(bytes, 24);
        bytes.AsSpan(24 + manifest.Length, dataStart - 24 - manifest.Length).Fill(paddingByte);
        data.CopyTo(bytes, dataStart);
        return Resign(bytes);
    }

    /// <summary>A manifest with the given tensor entries (JSON objects) and empty metadata.</summary>
    public static string Manifest(params string[] tensors) =>
        $$"""{"format":"qllm-artifact","version":1,"metadata":{},"tensors":[{{string.Join(",", tensors)}}]}""";

    /// <summary>Rewrites the trailer to the SHA-256 of everything before it, in place.</summary>
    public static byte[] Resign(byte[] bytes)
    {
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        return bytes;
    }
}

using System.Text.Json.Nodes;
using Qllm.IO;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>An input of a quantization run and its SHA-256 (<see cref="ContentDigest.Of"/>).</summary>
/// <param name="Path">The full path.</param>
/// <param name="Sha256">The digest, lower-case hex: for a folder, the formula of the build's cache keys.</param>
public sealed record InputFile(string Path, string Sha256)
{
    /// <summary>Digests <paramref name="path"/> (a file or a folder).</summary>
    public static InputFile Of(string path) => new(System.IO.Path.GetFullPath(path), ContentDigest.Of(path));

    internal JsonObject ToJson() => new() { ["path"] = Path, ["sha256"] = Sha256 };
}

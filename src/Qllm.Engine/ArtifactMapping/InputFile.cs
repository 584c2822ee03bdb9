using System.Text.Json.Nodes;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>An input of a quantization run and its SHA-256 (<see cref="InputDigests.Of"/>).</summary>
/// <param name="Path">The full path.</param>
/// <param name="Sha256">The digest, lower-case hex.</param>
public sealed record InputFile(string Path, string Sha256)
{
    /// <summary>Digests <paramref name="path"/> (a file or a folder).</summary>
    public static InputFile Of(string path) => new(System.IO.Path.GetFullPath(path), InputDigests.Of(path));

    internal JsonObject ToJson() => new() { ["path"] = Path, ["sha256"] = Sha256 };
}

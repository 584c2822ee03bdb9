using Qllm.Core.IO;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>An input of a quantization run, by name and SHA-256 (<see cref="ContentDigest.Of"/>).</summary>
/// <param name="Name">The file's or folder's name, without the folder it was in.</param>
/// <param name="Sha256">The digest, lower-case hex: for a folder, the formula of the build's cache keys.</param>
public sealed record InputFile(string Name, string Sha256)
{
    /// <summary>Names and digests <paramref name="path"/> (a file or a folder).</summary>
    /// <remarks>
    /// Only the name is kept, as deterministic builds map source paths away: the artifact is embedded
    /// in apps, so a full path would publish the builder's folders, and the same inputs quantized in
    /// two places would give different bytes.
    /// </remarks>
    public static InputFile Of(string path) =>
        new(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))), ContentDigest.Of(path));
}

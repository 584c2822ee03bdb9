namespace Qllm.Artifacts.Schema;

/// <summary>An input of the quantization run (model, tokenizer, calibration text) as the <c>inputs</c> metadata records it.</summary>
/// <param name="Path">The input's file or folder name (artifacts written by earlier versions hold its full path here), or null when not recorded.</param>
/// <param name="Sha256">Its SHA-256, lower-case hex (a folder's covers its files' names and digests), or null when not recorded.</param>
public sealed record ArtifactInput(string? Path, string? Sha256);

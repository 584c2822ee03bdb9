namespace Qllm.Artifacts.Container;

/// <summary>
/// The constants of the artifact container (see docs/artifact-format.md): one definition shared by
/// the writer (the engine) and the reader (the engine and Qllm.Runtime).
/// </summary>
public static class ArtifactFormat
{
    /// <summary>The value of the manifest's <c>"format"</c> property.</summary>
    public const string FormatName = "qllm-artifact";

    /// <summary>The format version this code writes, and the newest it reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>
    /// Header flag: the model must be run with the online transforms its <c>rotation.*</c> tensors
    /// describe. A reader that predates them refuses the file ("upgrade") instead of running the
    /// rotated weights without their transforms, which would give fluent-looking garbage.
    /// </summary>
    public const uint OnlineTransformsFlag = 0x1;

    /// <summary>Every flag this code knows; a file with any other bit set is refused.</summary>
    public const uint KnownFlags = OnlineTransformsFlag;

    /// <summary>Bytes before the manifest: magic (8), version (4), flags (4), manifest length (8).</summary>
    public const int HeaderLength = 24;

    /// <summary>The alignment of the data section and of every tensor in it, in bytes (a cache line, and a multiple of every SIMD width).</summary>
    public const int Alignment = 64;

    /// <summary>The SHA-256 trailer's length in bytes.</summary>
    public const int TrailerLength = 32;

    /// <summary>
    /// The largest manifest accepted. Real manifests are kilobytes to a few megabytes (a tokenizer's
    /// vocabulary in the metadata); the cap keeps a forged length from costing a large allocation.
    /// </summary>
    public const long MaxManifestBytes = 64L * 1024 * 1024;

    /// <summary>The deepest JSON nesting the manifest may have (the metadata included).</summary>
    public const int MaxJsonDepth = 64;

    /// <summary>The shortest possible file: header, an empty manifest padded to the alignment, and the trailer.</summary>
    public const int MinimumFileLength = Alignment + TrailerLength;

    /// <summary>The first 8 bytes of every artifact: <c>QLLMART</c> and a zero byte.</summary>
    public static ReadOnlySpan<byte> Magic => "QLLMART\0"u8;

    /// <summary>Rounds <paramref name="offset"/> up to the next multiple of <see cref="Alignment"/>.</summary>
    /// <exception cref="OverflowException">The result does not fit a <see cref="long"/>.</exception>
    public static long AlignUp(long offset) => checked(offset + (Alignment - 1)) & ~(long)(Alignment - 1);

    /// <summary>Whether <paramref name="path"/> is a file that starts with the artifact magic (nothing else is checked).</summary>
    public static bool IsArtifactFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        Span<byte> head = stackalloc byte[8];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(Magic);
    }
}

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// The parts of a SentencePiece ModelProto that decide how text is encoded, with the proto's
/// defaults for absent fields.
/// </summary>
internal sealed record SentencePieceModel(
    IReadOnlyList<SentencePieceModel.Piece> Pieces,
    int ModelType,
    bool ByteFallback,
    int UnknownId,
    int BosId,
    int EosId,
    bool TreatWhitespaceAsSuffix,
    string NormalizerName,
    int PrecompiledCharsMapLength,
    bool AddDummyPrefix,
    bool RemoveExtraWhitespaces,
    bool EscapeWhitespaces)
{
    /// <summary>ModelType BPE.</summary>
    public const int BpeModelType = 2;

    /// <summary>SentencePiece.Type values.</summary>
    public const int NormalType = 1;

    /// <summary>The type of &lt;unk&gt;.</summary>
    public const int UnknownType = 2;

    /// <summary>The type of &lt;s&gt; and &lt;/s&gt;.</summary>
    public const int ControlType = 3;

    /// <summary>The type of the byte-fallback pieces &lt;0xXX&gt;.</summary>
    public const int ByteType = 6;

    /// <summary>A vocabulary entry.</summary>
    internal readonly record struct Piece(string Text, float Score, int Type);
}

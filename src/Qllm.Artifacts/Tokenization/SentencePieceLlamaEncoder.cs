using System.Globalization;
using System.Text;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// SentencePiece's own encoder for LLaMA-shaped models, where it and llama2.c's run.c agree.
/// Microsoft.ML.Tokenizers 2.0.1 breaks ties between equal-scoring pairs toward the rightmost pair
/// (its SymbolPair.CompareTo), where SentencePiece's bpe_model.cc and run.c take the leftmost; on
/// runs of a letter ("zoooop", "bannnnnng") its ids then differ. The exact encoder keeps a
/// converted model's token ids equal to the llama2.c model's.
/// </summary>
internal static class SentencePieceLlamaEncoder
{
    private const int FirstByteId = 3;

    /// <summary>SentencePiece's whitespace marker.</summary>
    private const char SpaceMarker = '\u2581';

    /// <summary>
    /// The exact encoder of <paramref name="model"/>, or null when the model is not shaped like
    /// LLaMA's (BPE, byte fallback at ids 3 to 258, identity normalization, dummy prefix, no
    /// user-defined or unused pieces) and only Microsoft.ML.Tokenizers can encode it.
    /// </summary>
    public static Llama2CTokenizer? TryCreate(SentencePieceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var pieces = model.Pieces;
        var shaped = model is
        {
            ModelType: SentencePieceModel.BpeModelType, ByteFallback: true, UnknownId: 0, BosId: 1, EosId: 2,
            TreatWhitespaceAsSuffix: false, PrecompiledCharsMapLength: 0, AddDummyPrefix: true,
            RemoveExtraWhitespaces: false, EscapeWhitespaces: true,
        } && pieces.Count > FirstByteId + 256
            && pieces[0].Type == SentencePieceModel.UnknownType
            && pieces[1].Type == SentencePieceModel.ControlType
            && pieces[2].Type == SentencePieceModel.ControlType;
        if (!shaped)
        {
            return null;
        }

        for (var b = 0; b < 256; b++)
        {
            var piece = pieces[FirstByteId + b];
            if (piece.Type != SentencePieceModel.ByteType || piece.Text != string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"))
            {
                return null;
            }
        }

        // run.c falls back to bytes for a character that is not a piece, where SentencePiece may
        // still merge it into a longer piece; they agree when every character of every piece is a
        // piece. A raw space in a piece would collide with the marker's stand-in.
        var normal = new HashSet<string>(StringComparer.Ordinal);
        for (var id = FirstByteId + 256; id < pieces.Count; id++)
        {
            if (pieces[id].Type != SentencePieceModel.NormalType || pieces[id].Text.Length == 0 || pieces[id].Text.Contains(' ', StringComparison.Ordinal) || !normal.Add(pieces[id].Text))
            {
                return null;
            }
        }

        foreach (var text in normal)
        {
            foreach (var rune in text.EnumerateRunes())
            {
                if (!normal.Contains(rune.ToString()))
                {
                    return null;
                }
            }
        }

        var bytes = new byte[pieces.Count][];
        var scores = new float[pieces.Count];
        for (var id = 0; id < pieces.Count; id++)
        {
            bytes[id] = Encoding.UTF8.GetBytes(pieces[id].Text.Replace(SpaceMarker, ' '));
            scores[id] = pieces[id].Score;
        }

        return Llama2CTokenizer.FromSentencePiece(bytes, scores);
    }

    /// <summary>Text as the exact encoder takes it: SentencePiece reads a literal U+2581 as whitespace.</summary>
    public static string Prepare(string text) => text.Replace(SpaceMarker, ' ');
}

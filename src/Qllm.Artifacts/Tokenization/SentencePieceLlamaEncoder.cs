using System.Globalization;
using System.Text;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// SentencePiece's own encoder for LLaMA-shaped models, where it and llama2.c's run.c agree.
/// Microsoft.ML.Tokenizers 2.0.1 breaks ties between equal-scoring pairs toward the rightmost pair
/// (its SymbolPair.CompareTo), where SentencePiece's bpe_model.cc and run.c take the leftmost; on
/// runs of a letter ("zoooop", "bannnnnng") its ids then differ. The exact encoder keeps a
/// converted model's token ids equal to the llama2.c model's. Either setting of the dummy prefix
/// and of extra-whitespace removal is taken, so that Microsoft.ML.Tokenizers encodes only what
/// this cannot.
/// </summary>
internal sealed class SentencePieceLlamaEncoder
{
    private const int FirstByteId = 3;

    /// <summary>SentencePiece's whitespace marker.</summary>
    private const char SpaceMarker = '\u2581';

    private readonly Llama2CTokenizer _merger;
    private readonly bool _removeExtraWhitespaces;

    private SentencePieceLlamaEncoder(Llama2CTokenizer merger, bool removeExtraWhitespaces)
    {
        _merger = merger;
        _removeExtraWhitespaces = removeExtraWhitespaces;
    }

    /// <summary>
    /// The exact encoder of <paramref name="model"/>, or null when the model is not shaped like
    /// LLaMA's (BPE, byte fallback at ids 3 to 258, identity normalization, whitespace as a
    /// prefix, no user-defined or unused pieces) and only Microsoft.ML.Tokenizers can encode it.
    /// </summary>
    public static SentencePieceLlamaEncoder? TryCreate(SentencePieceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var pieces = model.Pieces;
        var shaped = model is
        {
            ModelType: SentencePieceModel.BpeModelType, ByteFallback: true, UnknownId: 0, BosId: 1, EosId: 2,
            TreatWhitespaceAsSuffix: false, PrecompiledCharsMapLength: 0, EscapeWhitespaces: true,
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

        return new SentencePieceLlamaEncoder(Llama2CTokenizer.FromSentencePiece(bytes, scores, model.AddDummyPrefix), model.RemoveExtraWhitespaces);
    }

    /// <summary>Encodes text as SentencePiece does, without BOS or EOS.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _merger.Encode(Normalize(text));
    }

    /// <summary>
    /// SentencePiece's normalizer.cc with the identity map, up to the marker: the pieces hold ' '
    /// where the model has U+2581. A literal U+2581 in the text reads as whitespace, since escaping
    /// made spaces the same character.
    /// </summary>
    private string Normalize(string text)
    {
        if (!_removeExtraWhitespaces)
        {
            return text.Replace(SpaceMarker, ' ');
        }

        // Only spaces (U+0020) are extra at the start and within the text: SentencePiece removes them
        // before escaping. At the end it removes markers after escaping, so a literal U+2581 goes too.
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.AsSpan().TrimStart(' '))
        {
            if (c != ' ' || builder.Length == 0 || builder[^1] != ' ')
            {
                builder.Append(c);
            }
        }

        return builder.Replace(SpaceMarker, ' ').ToString().TrimEnd(' ');
    }
}

using System.Text;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// Writes a SentencePiece <c>tokenizer.model</c> (the ModelProto of sentencepiece_model.proto) from a
/// llama2.c vocabulary, so that a converted Hugging Face folder carries the standard LLaMA tokenizer.
/// </summary>
public static class SentencePieceModelWriter
{
    // Field numbers and enum values of sentencepiece_model.proto.
    private const int ModelPieces = 1;
    private const int ModelTrainerSpec = 2;
    private const int ModelNormalizerSpec = 3;

    private const int PieceText = 1;
    private const int PieceScore = 2;
    private const int PieceType = 3;

    private const int TypeNormal = 1;
    private const int TypeUnknown = 2;
    private const int TypeControl = 3;
    private const int TypeByte = 6;

    private const int TrainerModelType = 3;
    private const int TrainerVocabSize = 4;
    private const int TrainerByteFallback = 35;
    private const int TrainerUnkId = 40;
    private const int TrainerBosId = 41;
    private const int TrainerEosId = 42;
    private const int TrainerPadId = 43;
    private const int TrainerUnkPiece = 45;
    private const int TrainerBosPiece = 46;
    private const int TrainerEosPiece = 47;
    private const int ModelTypeBpe = 2;

    private const int NormalizerName = 1;
    private const int NormalizerAddDummyPrefix = 3;
    private const int NormalizerRemoveExtraWhitespaces = 4;
    private const int NormalizerEscapeWhitespaces = 5;

    private const string UnknownPiece = "<unk>";
    private const string BosPiece = "<s>";
    private const string EosPiece = "</s>";

    /// <summary>SentencePiece's whitespace marker, which llama2.c's export turned into ' '.</summary>
    private const char SpaceMarker = '\u2581';

    /// <summary>Writes the model to <paramref name="path"/>.</summary>
    /// <exception cref="QllmException">The file cannot be written (QLLM2010) or a piece is not UTF-8 (QLLM2006).</exception>
    public static void WriteFile(Llama2CTokenizer tokenizer, string path)
    {
        var bytes = Serialize(tokenizer);
        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QllmException(ErrorCodes.OutputNotWritable, path, $"cannot write the tokenizer model: {e.Message}", "choose a writable output folder", e);
        }
    }

    /// <summary>Writes the model to a stream.</summary>
    public static void Write(Llama2CTokenizer tokenizer, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Serialize(tokenizer));
    }

    /// <summary>The serialized ModelProto.</summary>
    public static byte[] Serialize(Llama2CTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var model = new ProtobufWriter();
        for (var id = 0; id < tokenizer.VocabSize; id++)
        {
            var (text, type) = PieceOf(tokenizer, id, strictUtf8);
            var piece = new ProtobufWriter();
            piece.WriteString(PieceText, text);
            piece.WriteFloat(PieceScore, tokenizer.GetScore(id));
            piece.WriteInt32(PieceType, type);
            model.WriteMessage(ModelPieces, piece);
        }

        var trainer = new ProtobufWriter();
        trainer.WriteInt32(TrainerModelType, ModelTypeBpe);
        trainer.WriteInt32(TrainerVocabSize, tokenizer.VocabSize);
        trainer.WriteBool(TrainerByteFallback, true);
        trainer.WriteInt32(TrainerUnkId, Llama2CTokenizer.UnknownId);
        trainer.WriteInt32(TrainerBosId, tokenizer.BosId);
        trainer.WriteInt32(TrainerEosId, tokenizer.EosId);
        trainer.WriteInt32(TrainerPadId, -1);
        trainer.WriteString(TrainerUnkPiece, UnknownPiece);
        trainer.WriteString(TrainerBosPiece, BosPiece);
        trainer.WriteString(TrainerEosPiece, EosPiece);
        model.WriteMessage(ModelTrainerSpec, trainer);

        var normalizer = new ProtobufWriter();
        normalizer.WriteString(NormalizerName, "identity");
        normalizer.WriteBool(NormalizerAddDummyPrefix, true);
        normalizer.WriteBool(NormalizerRemoveExtraWhitespaces, false);
        normalizer.WriteBool(NormalizerEscapeWhitespaces, true);
        model.WriteMessage(ModelNormalizerSpec, normalizer);

        return model.WrittenSpan.ToArray();
    }

    private static (string Text, int Type) PieceOf(Llama2CTokenizer tokenizer, int id, UTF8Encoding strictUtf8)
    {
        if (id == Llama2CTokenizer.UnknownId)
        {
            return (UnknownPiece, TypeUnknown);
        }

        if (id == tokenizer.BosId)
        {
            return (BosPiece, TypeControl);
        }

        if (id == tokenizer.EosId)
        {
            return (EosPiece, TypeControl);
        }

        string text;
        try
        {
            text = strictUtf8.GetString(tokenizer.GetPiece(id));
        }
        catch (DecoderFallbackException e)
        {
            throw new QllmException(
                ErrorCodes.BadTokenizer, null, $"token {id} of the tokenizer is not UTF-8, so no SentencePiece model can hold it", "use a LLaMA tokenizer.bin", e);
        }

        if (tokenizer.IsByteToken(id))
        {
            return (text, TypeByte);
        }

        if (text.Length == 0)
        {
            throw new QllmException(
                ErrorCodes.BadTokenizer, null, $"token {id} of the tokenizer is empty, which SentencePiece forbids", "use a LLaMA tokenizer.bin");
        }

        return (text.Replace(' ', SpaceMarker), TypeNormal);
    }
}

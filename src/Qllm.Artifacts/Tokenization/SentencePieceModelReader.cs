namespace Qllm.Artifacts.Tokenization;

/// <summary>Reads the fields of a SentencePiece ModelProto (sentencepiece_model.proto) that encoding depends on.</summary>
internal static class SentencePieceModelReader
{
    /// <summary>Parses a serialized ModelProto.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ModelProto.</exception>
    public static SentencePieceModel Parse(ReadOnlySpan<byte> bytes)
    {
        var pieces = new List<SentencePieceModel.Piece>();
        var model = new SentencePieceModel(
            pieces, ModelType: 1, ByteFallback: false, UnknownId: 0, BosId: 1, EosId: 2, TreatWhitespaceAsSuffix: false,
            NormalizerName: string.Empty, PrecompiledCharsMapLength: 0, AddDummyPrefix: true, RemoveExtraWhitespaces: true, EscapeWhitespaces: true);
        var reader = new ProtobufReader(bytes);
        while (!reader.AtEnd)
        {
            var (field, wireType) = reader.ReadTag();
            switch (field)
            {
                case 1 when wireType == 2:
                    pieces.Add(ReadPiece(reader.ReadLengthDelimited()));
                    break;
                case 2 when wireType == 2:
                    model = ReadTrainerSpec(reader.ReadLengthDelimited(), model);
                    break;
                case 3 when wireType == 2:
                    model = ReadNormalizerSpec(reader.ReadLengthDelimited(), model);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return model;
    }

    private static SentencePieceModel.Piece ReadPiece(ReadOnlySpan<byte> bytes)
    {
        var (text, score, type) = (string.Empty, 0f, SentencePieceModel.NormalType);
        var reader = new ProtobufReader(bytes);
        while (!reader.AtEnd)
        {
            var (field, wireType) = reader.ReadTag();
            switch (field)
            {
                case 1 when wireType == 2:
                    text = reader.ReadString();
                    break;
                case 2 when wireType == 5:
                    score = reader.ReadFloat();
                    break;
                case 3 when wireType == 0:
                    type = reader.ReadInt32();
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new SentencePieceModel.Piece(text, score, type);
    }

    private static SentencePieceModel ReadTrainerSpec(ReadOnlySpan<byte> bytes, SentencePieceModel model)
    {
        var reader = new ProtobufReader(bytes);
        while (!reader.AtEnd)
        {
            var (field, wireType) = reader.ReadTag();
            model = (field, wireType) switch
            {
                (3, 0) => model with { ModelType = reader.ReadInt32() },
                (24, 0) => model with { TreatWhitespaceAsSuffix = reader.ReadVarint() != 0 },
                (35, 0) => model with { ByteFallback = reader.ReadVarint() != 0 },
                (40, 0) => model with { UnknownId = reader.ReadInt32() },
                (41, 0) => model with { BosId = reader.ReadInt32() },
                (42, 0) => model with { EosId = reader.ReadInt32() },
                _ => SkipField(ref reader, wireType, model),
            };
        }

        return model;
    }

    private static SentencePieceModel ReadNormalizerSpec(ReadOnlySpan<byte> bytes, SentencePieceModel model)
    {
        var reader = new ProtobufReader(bytes);
        while (!reader.AtEnd)
        {
            var (field, wireType) = reader.ReadTag();
            model = (field, wireType) switch
            {
                (1, 2) => model with { NormalizerName = reader.ReadString() },
                (2, 2) => model with { PrecompiledCharsMapLength = reader.ReadLengthDelimited().Length },
                (3, 0) => model with { AddDummyPrefix = reader.ReadVarint() != 0 },
                (4, 0) => model with { RemoveExtraWhitespaces = reader.ReadVarint() != 0 },
                (5, 0) => model with { EscapeWhitespaces = reader.ReadVarint() != 0 },
                _ => SkipField(ref reader, wireType, model),
            };
        }

        return model;
    }

    private static SentencePieceModel SkipField(ref ProtobufReader reader, int wireType, SentencePieceModel model)
    {
        reader.Skip(wireType);
        return model;
    }
}

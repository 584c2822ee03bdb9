using Qllm.Artifacts.Tokenization;

namespace Qllm.Artifacts.Tests.Tokenization;

public sealed class SentencePieceLlamaEncoderTests
{
    private static readonly Lazy<SentencePieceModel> Model = new(() =>
        SentencePieceModelReader.Parse(ReferenceIds.WrittenModel));

    [Fact]
    public void Takes_the_llama_model_and_encodes_as_llama2c()
    {
        var encoder = SentencePieceLlamaEncoder.TryCreate(Model.Value);

        Assert.NotNull(encoder);
        Assert.Equal([9038, 2501, 263, 931], encoder.Encode("Once upon a time"));

        // SentencePiece reads a literal U+2581 as the space it stands for.
        const string Text = "zoooop \u2581 bannnnnng";
        Assert.Equal(NaiveSentencePieceEncoder.Read(ReferenceIds.WrittenModel).Encode(Text), encoder.Encode(Text));
    }

    [Fact]
    public void Takes_either_whitespace_setting_of_sentencepiece()
    {
        var model = Model.Value;

        Assert.NotNull(SentencePieceLlamaEncoder.TryCreate(model with { AddDummyPrefix = false }));
        Assert.NotNull(SentencePieceLlamaEncoder.TryCreate(model with { RemoveExtraWhitespaces = true }));
    }

    [Fact]
    public void Leaves_models_of_another_shape_to_microsoft_ml_tokenizers()
    {
        var model = Model.Value;
        var userDefined = model.Pieces.Select((p, id) => id == 300 ? p with { Type = 4 } : p).ToList();

        Assert.Null(SentencePieceLlamaEncoder.TryCreate(model with { TreatWhitespaceAsSuffix = true }));
        Assert.Null(SentencePieceLlamaEncoder.TryCreate(model with { ModelType = 1 }));
        Assert.Null(SentencePieceLlamaEncoder.TryCreate(model with { PrecompiledCharsMapLength = 100 }));
        Assert.Null(SentencePieceLlamaEncoder.TryCreate(model with { ByteFallback = false }));
        Assert.Null(SentencePieceLlamaEncoder.TryCreate(model with { Pieces = userDefined }));
    }
}

using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tests.Tokenization;

public sealed class TokenizerFilesTests
{
    [Fact]
    public void Reports_a_missing_tokenizer_with_what_to_do()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qllm-missing-{Guid.NewGuid():N}", "tokenizer.bin");

        var error = Assert.Throws<QllmException>(() => TokenizerFiles.Load(path, 32000));

        Assert.Equal(ErrorCodes.MissingTokenizer, error.Code);
        Assert.Equal(path, error.File);
        Assert.Equal($"no tokenizer at {path}", error.Problem);
        Assert.Equal("pass --tokenizer FILE or put tokenizer.bin beside the model", error.Fix);
    }

    [Fact]
    public void Opens_tokenizer_bin_as_llama2c()
    {
        var tokenizer = TokenizerFiles.Load(TestData.TokenizerPath, 32000);

        Assert.IsType<Llama2CTokenizer>(tokenizer);
    }

    [Fact]
    public void Finds_tokenizer_bin_beside_the_model()
    {
        var tokenizer = TokenizerFiles.LoadForModel(TestData.ModelPath, tokenizerPath: null, 32000);

        Assert.Equal([9038, 2501, 263, 931], tokenizer.Encode("Once upon a time"));
    }

    [Fact]
    public void Tells_the_formats_apart_by_content_when_the_name_does_not()
    {
        using var llama2c = new TemporaryFile(File.ReadAllBytes(TestData.TokenizerPath), extension: ".tok");
        using var sentencePiece = new TemporaryFile(SentencePieceModelWriter.Serialize(RealTokenizer.Instance), extension: ".tok");

        Assert.IsType<Llama2CTokenizer>(TokenizerFiles.Load(llama2c.Path, 32000));
        Assert.IsType<SentencePieceTokenizer>(TokenizerFiles.Load(sentencePiece.Path, 32000));
    }

    [Fact]
    public void Rejects_a_sentencepiece_model_of_another_vocabulary_size()
    {
        using var model = new TemporaryFile(SentencePieceModelWriter.Serialize(RealTokenizer.Instance), extension: ".model");

        var error = Assert.Throws<QllmException>(() => TokenizerFiles.Load(model.Path, 512));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
    }
}

using LlamaTokenizer = Microsoft.ML.Tokenizers.LlamaTokenizer;
using Qllm.Engine.Tokenization;

namespace Qllm.Engine.Tests.Tokenization;

public sealed class SentencePieceModelWriterTests
{
    private static readonly Lazy<byte[]> Model = new(() => SentencePieceModelWriter.Serialize(RealTokenizer.Instance));

    [Fact]
    public void Microsoft_ML_tokenizers_on_the_written_model_give_the_llama2c_ids_on_the_whole_evaluation_text()
    {
        var text = RealTokenizer.EvaluationText;
        using var stream = new MemoryStream(Model.Value);
        var sentencePiece = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);

        var expected = RealTokenizer.Instance.Encode(text);
        var actual = sentencePiece.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);

        Assert.Equal(expected.Count, actual.Count);
        var firstDifference = Enumerable.Range(0, expected.Count).FirstOrDefault(i => expected[i] != actual[i], -1);
        Assert.True(firstDifference < 0, $"ids differ first at token {firstDifference}");
    }

    [Fact]
    public void Writes_standard_llama_pieces_and_special_tokens()
    {
        using var stream = new MemoryStream(Model.Value);
        var sentencePiece = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);

        Assert.Equal(32000, sentencePiece.Vocabulary.Count);
        Assert.Equal(1, sentencePiece.BeginningOfSentenceId);
        Assert.Equal(2, sentencePiece.EndOfSentenceId);
        Assert.Equal(0, sentencePiece.UnknownId);
        Assert.Equal("<s>", sentencePiece.BeginningOfSentenceToken);
        Assert.Equal("</s>", sentencePiece.EndOfSentenceToken);
        Assert.True(sentencePiece.ByteFallback);
        Assert.True(sentencePiece.AddDummyPrefix);
        Assert.True(sentencePiece.EscapeWhiteSpaces);
        Assert.Equal(9038, sentencePiece.Vocabulary["\u2581Once"]);
        Assert.Equal(29871, sentencePiece.Vocabulary["\u2581"]);
        Assert.Equal(13, sentencePiece.Vocabulary["<0x0A>"]);
    }

    [Fact]
    public void Writes_a_file_that_the_factory_opens_as_sentencepiece()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qllm-test-{Guid.NewGuid():N}", TokenizerFiles.SentencePieceFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            SentencePieceModelWriter.WriteFile(RealTokenizer.Instance, path);

            var tokenizer = TokenizerFiles.Load(path, 32000);

            Assert.IsType<SentencePieceTokenizer>(tokenizer);
            Assert.Equal([9038, 2501, 263, 931], tokenizer.Encode("Once upon a time"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}

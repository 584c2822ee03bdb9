using Qllm.Artifacts.Tokenization;
using LlamaTokenizer = Microsoft.ML.Tokenizers.LlamaTokenizer;

namespace Qllm.Artifacts.Tests.Tokenization;

public sealed class SentencePieceModelWriterTests
{
    private static readonly Lazy<byte[]> Model = new(() => SentencePieceModelWriter.Serialize(RealTokenizer.Instance));

    private static LlamaTokenizer MicrosoftMlTokenizer()
    {
        using var stream = new MemoryStream(Model.Value);
        return LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
    }

    [Fact]
    public void The_written_model_gives_the_llama2c_ids_on_the_whole_evaluation_text()
    {
        var text = RealTokenizer.EvaluationText;
        using var stream = new MemoryStream(Model.Value);
        var sentencePiece = SentencePieceTokenizer.Load(stream, "tokenizer.model");

        var expected = RealTokenizer.EvaluationIds;
        var actual = sentencePiece.Encode(text);

        Assert.True(sentencePiece.UsesExactEncoder);
        Assert.Equal(expected.Count, actual.Count);
        var firstDifference = Enumerable.Range(0, expected.Count).FirstOrDefault(i => expected[i] != actual[i], -1);
        Assert.True(firstDifference < 0, $"ids differ first at token {firstDifference}");
    }

    [Fact]
    public void Microsoft_ML_tokenizers_on_the_written_model_differ_from_llama2c_only_where_it_breaks_ties_rightmost()
    {
        var llama2c = RealTokenizer.Instance;
        var microsoftMl = MicrosoftMlTokenizer();
        var rightmost = new NaiveLlama2CEncoder(llama2c, preferRightmost: true);
        var differing = new List<string>();

        var lines = RealTokenizer.EvaluationLines;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var ids = microsoftMl.EncodeToIds(line, addBeginningOfSentence: false, addEndOfSentence: false);
            if (!ids.SequenceEqual(RealTokenizer.EvaluationLineIds[i]))
            {
                differing.Add(line);
                Assert.Equal(rightmost.Encode(line), ids);
            }
        }

        // Only runs of one letter ("zoooop", "bannnnnng") tie; the whole file has two such lines.
        Assert.InRange(differing.Count, 0, 5);
        var whole = microsoftMl.EncodeToIds(RealTokenizer.EvaluationText, addBeginningOfSentence: false, addEndOfSentence: false);
        Assert.InRange(whole.Count - RealTokenizer.EvaluationIds.Count, -differing.Count, differing.Count);
    }

    [Fact]
    public void Writes_standard_llama_pieces_and_special_tokens()
    {
        var sentencePiece = MicrosoftMlTokenizer();

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
    public void Writes_types_scores_and_specs_that_read_back()
    {
        var model = SentencePieceModelReader.Parse(Model.Value);

        Assert.Equal(32000, model.Pieces.Count);
        Assert.Equal(new SentencePieceModel.Piece("<unk>", 0f, SentencePieceModel.UnknownType), model.Pieces[0]);
        Assert.Equal(new SentencePieceModel.Piece("<s>", 0f, SentencePieceModel.ControlType), model.Pieces[1]);
        Assert.Equal(new SentencePieceModel.Piece("</s>", 0f, SentencePieceModel.ControlType), model.Pieces[2]);
        Assert.Equal(new SentencePieceModel.Piece("<0xFF>", 0f, SentencePieceModel.ByteType), model.Pieces[258]);
        Assert.Equal(new SentencePieceModel.Piece("\u2581t", -1f, SentencePieceModel.NormalType), model.Pieces[260]);
        Assert.Equal(RealTokenizer.Instance.GetScore(31999), model.Pieces[31999].Score);
        Assert.Equal(SentencePieceModel.BpeModelType, model.ModelType);
        Assert.True(model.ByteFallback);
        Assert.Equal((0, 1, 2), (model.UnknownId, model.BosId, model.EosId));
        Assert.Equal("identity", model.NormalizerName);
        Assert.True(model.AddDummyPrefix);
        Assert.False(model.RemoveExtraWhitespaces);
        Assert.True(model.EscapeWhitespaces);
    }

    [Fact]
    public void Writes_a_file_that_the_factory_opens_as_sentencepiece()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"qllm-test-{Guid.NewGuid():N}");
        var path = Path.Combine(folder, TokenizerFiles.SentencePieceFileName);
        Directory.CreateDirectory(folder);
        try
        {
            SentencePieceModelWriter.WriteFile(RealTokenizer.Instance, path);

            var tokenizer = TokenizerFiles.Load(path, 32000);

            Assert.IsType<SentencePieceTokenizer>(tokenizer);
            Assert.Equal([9038, 2501, 263, 931], tokenizer.Encode("Once upon a time"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

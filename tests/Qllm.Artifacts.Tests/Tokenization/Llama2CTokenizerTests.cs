using System.Buffers.Binary;
using System.Text;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tests.Tokenization;

public sealed class Llama2CTokenizerTests
{
    private static readonly string[] ByteFallbackSamples =
    [
        "The cat 🐈 sat on the mat 🙂.",
        "Привет, мир! Как дела?",
        "日本語のテキストと漢字。",
        "مرحبا بالعالم",
        "emoji only: 🎉🎉🎉 👩‍👩‍👧 ✨",
        "tabs\tand\r\nwindows line ends",
        "   leading and  double   spaces ",
        "aaaaaaaaaaaaaaaa bbbbbbbb",
        "\u0000 nul and control \u0007 characters",
    ];

    public static TheoryData<string> Samples => [.. ByteFallbackSamples];

    [Fact]
    public void Encodes_the_known_ids_of_the_llama_vocabulary()
    {
        var tokenizer = RealTokenizer.Instance;

        Assert.Equal([9038, 2501, 263, 931], tokenizer.Encode("Once upon a time"));
        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal(2, tokenizer.EosId);
    }

    [Fact]
    public void Encodes_empty_text_as_no_tokens()
    {
        Assert.Empty(RealTokenizer.Instance.Encode(string.Empty));
    }

    [Fact]
    public void Decodes_without_the_dummy_prefix_and_without_bos_or_eos()
    {
        var tokenizer = RealTokenizer.Instance;

        Assert.Equal("Once upon a time", tokenizer.Decode([1, 9038, 2501, 263, 931, 2]));
    }

    [Fact]
    public void Round_trips_the_evaluation_text_line_by_line()
    {
        var tokenizer = RealTokenizer.Instance;
        var lines = RealTokenizer.EvaluationLines;
        var ids = RealTokenizer.EvaluationLineIds;
        Assert.True(lines.Length > 3000, $"the evaluation text has only {lines.Length} lines");

        for (var i = 0; i < lines.Length; i++)
        {
            Assert.Equal(lines[i], tokenizer.Decode(ids[i]));
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Round_trips_text_that_needs_byte_fallback(string text)
    {
        var tokenizer = RealTokenizer.Instance;

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Falls_back_to_byte_ids_for_characters_outside_the_vocabulary()
    {
        var tokenizer = RealTokenizer.Instance;

        var ids = tokenizer.Encode("🐈");

        // U+1F408 is F0 9F 90 88 in UTF-8; byte b is id b + 3.
        Assert.Equal([0xF0 + 3, 0x9F + 3, 0x90 + 3, 0x88 + 3], ids.Skip(1));
        Assert.All(ids.Skip(1), id => Assert.True(tokenizer.IsByteToken(id)));
        Assert.Equal("<0xF0>", Encoding.UTF8.GetString(tokenizer.GetPiece(0xF0 + 3)));
    }

    [Fact]
    public void Equals_run_c_on_every_line_of_the_evaluation_text()
    {
        var lines = RealTokenizer.EvaluationLines;
        var expected = ReferenceIds.RunCLineIds;
        var actual = RealTokenizer.EvaluationLineIds;

        for (var i = 0; i < lines.Length; i++)
        {
            Assert.True(expected[i].SequenceEqual(actual[i]), $"line {i} differs from run.c: {lines[i]}");
        }
    }

    [Fact]
    public void Equals_run_c_on_the_whole_evaluation_text()
    {
        var expected = ReferenceIds.RunCTextIds;
        var actual = RealTokenizer.EvaluationIds;

        var firstDifference = Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => expected[i] != actual[i], -1);
        Assert.True(firstDifference < 0, $"ids differ first at token {firstDifference}");
        Assert.Equal(expected.Count, actual.Count);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    [InlineData("the the the the the   the\n\n\nthe")]
    [InlineData("you want to stop him , zoooop , snag him")]
    [InlineData("all you got to do is bannnnnng , stooooomp your cane")]
    [InlineData("<0x41> <s> </s> <unk> \u2581 \u2581\u2581")]
    public void Equals_run_c_on_ties_and_byte_fallback(string text)
    {
        var naive = NaiveLlama2CEncoder.Load(TestData.TokenizerPath);

        Assert.Equal(naive.Encode(text), RealTokenizer.Instance.Encode(text));
    }

    [Fact]
    public void Rejects_a_truncated_file_naming_it()
    {
        var bytes = File.ReadAllBytes(TestData.TokenizerPath);
        using var file = new TemporaryFile(bytes.AsSpan(0, bytes.Length / 2));

        var error = Assert.Throws<QllmException>(() => Llama2CTokenizer.Load(file.Path));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal(file.Path, error.File);
        Assert.Contains("truncated", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_file_with_fewer_tokens_than_the_model()
    {
        var bytes = File.ReadAllBytes(TestData.TokenizerPath);
        using var file = new TemporaryFile(bytes);

        var error = Assert.Throws<QllmException>(() => Llama2CTokenizer.Load(file.Path, 32001));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Contains("32000 tokens", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_file_with_more_tokens_than_the_model()
    {
        var error = Assert.Throws<QllmException>(() => Llama2CTokenizer.Load(TestData.TokenizerPath, 512));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal(TestData.TokenizerPath, error.File);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    [InlineData(28)]
    public void Rejects_impossible_piece_lengths_without_allocating_them(int length)
    {
        var bytes = new byte[4 + 8 + 3];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, 27);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4), 0f);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), length);
        using var file = new TemporaryFile(bytes);

        var error = Assert.Throws<QllmException>(() => Llama2CTokenizer.Load(file.Path));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Contains($"length {length}", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(int.MaxValue)]
    public void Rejects_an_impossible_max_token_length(int maxTokenLength)
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, maxTokenLength);
        using var file = new TemporaryFile(bytes);

        var error = Assert.Throws<QllmException>(() => Llama2CTokenizer.Load(file.Path));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Contains("max_token_length", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_a_missing_file_as_input_not_found()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qllm-missing-{Guid.NewGuid():N}.bin");

        var error = Assert.Throws<QllmException>(() => Llama2CTokenizer.Load(path));

        Assert.Equal(ErrorCodes.InputNotFound, error.Code);
    }

    [Fact]
    public void Encodes_the_whole_evaluation_text_at_once()
    {
        var tokenizer = RealTokenizer.Instance;
        var text = RealTokenizer.EvaluationText;

        var ids = RealTokenizer.EvaluationIds;

        Assert.InRange(ids.Count, text.Length / 8, text.Length / 2);
        Assert.Equal(text, tokenizer.Decode(ids));
    }
}

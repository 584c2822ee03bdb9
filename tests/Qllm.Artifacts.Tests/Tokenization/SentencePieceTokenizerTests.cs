using Google.Protobuf;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tests.Tokenization;

public sealed class SentencePieceTokenizerTests
{
    private static readonly Lazy<SentencePieceTokenizer> Tokenizer = new(() =>
    {
        using var stream = new MemoryStream(ReferenceIds.WrittenModel);
        return SentencePieceTokenizer.Load(stream, "tokenizer.model");
    });

    public static TheoryData<string> Samples => Llama2CTokenizerTests.Samples;

    [Fact]
    public void Encodes_the_known_ids_without_bos_or_eos()
    {
        var tokenizer = Tokenizer.Value;

        Assert.Equal([9038, 2501, 263, 931], tokenizer.Encode("Once upon a time"));
        Assert.Empty(tokenizer.Encode(string.Empty));
        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal(2, tokenizer.EosId);
    }

    [Theory]
    [InlineData("Once upon a time")]
    [InlineData("The cat 🐈 sat on the mat 🙂.")]
    [InlineData("Привет, мир! 日本語")]
    [InlineData("  two leading spaces and\nnew lines\n")]
    public void Decodes_as_the_llama2c_tokenizer_does(string text)
    {
        var ids = RealTokenizer.Instance.Encode(text);
        var withSpecials = new List<int> { 1 };
        withSpecials.AddRange(ids);
        withSpecials.Add(2);

        Assert.Equal(text, Tokenizer.Value.Decode(withSpecials));
        Assert.Equal(text, RealTokenizer.Instance.Decode(withSpecials));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    [InlineData("you want to stop him , zoooop , snag him")]
    [InlineData("all you got to do is bannnnnng , stooooomp your cane")]
    [InlineData("<0x41> <s> </s> <unk> \u2581x \u2581\u2581 x\u2581")]
    public void Encodes_ties_byte_fallback_and_literal_whitespace_markers_as_sentencepiece(string text)
    {
        var reference = NaiveSentencePieceEncoder.Read(ReferenceIds.WrittenModel);

        Assert.Equal(reference.Encode(text), Tokenizer.Value.Encode(text));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Encodes_every_line_as_sentencepiece_with_the_other_whitespace_settings(bool addDummyPrefix, bool removeExtraWhitespaces)
    {
        var model = WithNormalizer(ReferenceIds.WrittenModel, addDummyPrefix, removeExtraWhitespaces);
        var reference = NaiveSentencePieceEncoder.Read(model);
        using var stream = new MemoryStream(model);
        var tokenizer = SentencePieceTokenizer.Load(stream, "tokenizer.model");
        string[] spaces = [" ", "   ", "  two  spaces  ", "a \u2581 b", "x\u2581", "\u2581", "\u2581\u2581x \u2581 ", "\u2581 x"];

        foreach (var text in RealTokenizer.EvaluationLines.Concat(spaces))
        {
            Assert.True(reference.Encode(text).SequenceEqual(tokenizer.Encode(text)), $"differs from SentencePiece: {text}");
        }
    }

    [Fact]
    public void Rejects_a_file_that_is_not_a_sentencepiece_model()
    {
        using var stream = new MemoryStream([0x0A, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3]);

        var error = Assert.Throws<QllmException>(() => SentencePieceTokenizer.Load(stream, "bad.model"));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal("bad.model", error.File);
    }

    /// <summary>
    /// The model with another normalizer_spec appended: protobuf merges a repeated message field
    /// into the first, and every field the encoding reads is written.
    /// </summary>
    private static byte[] WithNormalizer(byte[] model, bool addDummyPrefix, bool removeExtraWhitespaces)
    {
        using var normalizer = new MemoryStream();
        using (var spec = new CodedOutputStream(normalizer, leaveOpen: true))
        {
            spec.WriteTag(1, WireFormat.WireType.LengthDelimited);
            spec.WriteString("identity");
            spec.WriteTag(3, WireFormat.WireType.Varint);
            spec.WriteBool(addDummyPrefix);
            spec.WriteTag(4, WireFormat.WireType.Varint);
            spec.WriteBool(removeExtraWhitespaces);
            spec.WriteTag(5, WireFormat.WireType.Varint);
            spec.WriteBool(true);
        }

        using var output = new MemoryStream();
        output.Write(model);
        using (var appended = new CodedOutputStream(output, leaveOpen: true))
        {
            appended.WriteTag(3, WireFormat.WireType.LengthDelimited);
            appended.WriteBytes(ByteString.CopyFrom(normalizer.ToArray()));
        }

        return output.ToArray();
    }
}

using System.Text;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tests.Tokenization.HuggingFace;

/// <summary>A tokenizer.json that cannot be used gets one coded error (QLLM2006) naming the file, never a crash.</summary>
public sealed class BadTokenizerJsonTests : IDisposable
{
    private const string Vocabulary = """{"a": 0, "b": 1, "ab": 2, "c": 3}""";

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("WordPiece", "model type 'WordPiece' is not supported (byte-level BPE and SentencePiece-style BPE are)")]
    [InlineData("Mystery", "model type 'Mystery' is not supported (byte-level BPE and SentencePiece-style BPE are)")]
    public void An_unknown_model_type_is_refused_naming_the_file(string type, string problem)
    {
        var error = Load($$$"""{"model": {"type": "{{{type}}}", "vocab": {{{Vocabulary}}}, "merges": []}}""");

        Assert.Equal(problem, error.Problem);
    }

    [Theory]
    [InlineData("""["a b c"]""", """merge 1 ("a b c") is not "left right" or ["left", "right"]""")]
    [InlineData("""["a b", "ab"]""", """merge 2 ("ab") is not "left right" or ["left", "right"]""")]
    [InlineData("""[["a", "b"], ["a"]]""", """merge 2 (["a"]) is not "left right" or ["left", "right"]""")]
    [InlineData("""[7]""", """merge 1 (7) is not "left right" or ["left", "right"]""")]
    [InlineData("""["a c"]""", "merge 1 ('a' + 'c') names a token that is not in the vocabulary")]
    [InlineData("""["a z"]""", "merge 1 ('a' + 'z') names a token that is not in the vocabulary")]
    [InlineData("\"a b\"", "\"merges\" is missing or not a list")]
    public void A_malformed_merges_list_is_refused_naming_the_merge(string merges, string problem)
    {
        var error = Load($$$"""{"model": {"type": "BPE", "vocab": {{{Vocabulary}}}, "merges": {{{merges}}}}}""");

        Assert.Equal(problem, error.Problem);
    }

    [Theory]
    [InlineData("{\"model\": ", "not valid JSON: ")]
    [InlineData("[1, 2]", "tokenizer.json is not a JSON object")]
    [InlineData("{\"model\": null}", "the model has no \"type\"")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}}""", "the vocabulary's id of 'a' is not a non-negative integer")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "normalizer": {"type": "Lowercase"}}""", "normalizer 'Lowercase' is not supported (byte-level BPE and SentencePiece-style BPE are)")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?<"}, "behavior": "Isolated"}}""", "the regex (?< (")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "unk_token": "<unk>"}}""", "the unknown token '<unk>' is not in the vocabulary")]
    public void Other_damage_is_refused_naming_the_file(string json, string problemStart)
    {
        var error = Load(json);

        Assert.StartsWith(problemStart, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tokenizer_with_more_tokens_than_the_embedding_has_rows_is_refused()
    {
        var path = _folder.File("tokenizer.json");
        File.WriteAllText(path, $$$"""{"model": {"type": "BPE", "vocab": {{{Vocabulary}}}, "merges": ["a b"]}}""");

        var error = Assert.Throws<QllmException>(() => TokenizerFiles.Load(path, 3));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal(path, error.File);
        Assert.Equal("tokenizer has 4 tokens, more than the model's 3 embedding rows", error.Problem);
        // An embedding larger than the tokenizer is normal (Qwen pads its rows).
        Assert.Equal(4, TokenizerFiles.Load(path, 16).VocabSize);
    }

    [Fact]
    public void A_small_valid_file_merges_by_rank()
    {
        var path = _folder.File("tokenizer.json");
        File.WriteAllText(path, $$$"""{"model": {"type": "BPE", "vocab": {{{Vocabulary}}}, "merges": [["a", "b"]]}}""");

        Assert.Equal([2, 3, 0], HuggingFaceTokenizer.Load(path).Encode("abca"));
    }

    private QllmException Load(string json)
    {
        var path = _folder.File("tokenizer.json");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(json));

        var error = Assert.Throws<QllmException>(() => HuggingFaceTokenizer.Load(path));

        Assert.Equal(ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal(path, error.File);
        Assert.DoesNotContain('\n', error.ToCanonicalString());
        return error;
    }
}

using System.Text.Json.Nodes;
using Qllm.Artifacts.Tokenization;
using Xunit.Abstractions;

namespace Qllm.Artifacts.Tests.Tokenization.HuggingFace;

/// <summary>
/// The pre-tokenizers no real file of the npm packages uses, against the reference on the whole
/// evaluation text and the edge cases: <c>Metaspace</c> (each prepend_scheme, split or not) on the
/// 32000-token SentencePiece-style vocabulary with its normalizer taken out, as files converted from
/// SentencePiece by newer tokenizers are written, and <c>Digits</c> (individual or in runs) before
/// Llama 3.1's own Split and ByteLevel.
/// </summary>
public sealed class PreTokenizerReferenceTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    [Theory]
    [InlineData("always", true)]
    [InlineData("always", false)]
    [InlineData("first", true)]
    [InlineData("first", false)]
    [InlineData("never", true)]
    [InlineData("never", false)]
    public void Metaspace_ids_equal_the_reference(string prependScheme, bool split)
    {
        var metaspace = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = prependScheme, ["split"] = split };
        var path = Variant(HuggingFaceTokenizerPackages.Llama2, $"metaspace-{prependScheme}-{split}", root =>
        {
            root["normalizer"] = null;
            root["pre_tokenizer"] = metaspace;
            root["decoder"] = metaspace.DeepClone();
        });

        AssertReferenceIds(path);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Digits_ids_equal_the_reference(bool individualDigits)
    {
        var path = Variant(HuggingFaceTokenizerPackages.Llama31, $"digits-{individualDigits}", root =>
        {
            var steps = root["pre_tokenizer"]!["pretokenizers"]!.AsArray();
            steps.Insert(0, new JsonObject { ["type"] = "Digits", ["individual_digits"] = individualDigits });
        });

        AssertReferenceIds(path);
    }

    [Fact]
    public void Metaspace_then_Digits_ids_equal_the_reference()
    {
        var path = Variant(HuggingFaceTokenizerPackages.Llama2, "metaspace-digits", root =>
        {
            root["normalizer"] = null;
            root["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "first", ["split"] = false },
                    new JsonObject { ["type"] = "Digits", ["individual_digits"] = true }),
            };
        });

        AssertReferenceIds(path);
    }

    public void Dispose() => _folder.Dispose();

    private void AssertReferenceIds(string path)
    {
        var tokenizer = HuggingFaceTokenizer.Load(path);
        string[] texts = [File.ReadAllText(TestData.EvaluationTextPath), .. EdgeCaseTexts.Common, "Call 555-0123 at 10:30, pay $1,234.56 or ٣٤٥ ²³ ½ 𝟏𝟐𝟑"];
        var expected = HuggingFaceTokenizerPackages.ReferenceIds(path, texts);
        for (var i = 0; i < texts.Length; i++)
        {
            var actual = tokenizer.Encode(texts[i]);
            var at = 0;
            while (at < expected[i].Length && at < actual.Count && expected[i][at] == actual[at])
            {
                at++;
            }

            Assert.True(
                expected[i].SequenceEqual(actual),
                $"text {i} '{(texts[i].Length > 60 ? texts[i][..60] : texts[i])}': first difference at id {at}: reference [{string.Join(' ', expected[i].Skip(Math.Max(0, at - 2)).Take(6))}], ours [{string.Join(' ', actual.Skip(Math.Max(0, at - 2)).Take(6))}]");
        }

        output.WriteLine($"{Path.GetFileName(Path.GetDirectoryName(path))}: {expected[0].Length} ids on the evaluation text equal");
    }

    /// <summary>A copy of a real tokenizer.json (without its tokenizer_config.json) changed by <paramref name="change"/>.</summary>
    private string Variant(string package, string name, Action<JsonObject> change)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(HuggingFaceTokenizerPackages.ModelFolder(package), "tokenizer.json")))!.AsObject();
        change(root);
        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, name)).FullName;
        var path = Path.Combine(folder, "tokenizer.json");
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }
}

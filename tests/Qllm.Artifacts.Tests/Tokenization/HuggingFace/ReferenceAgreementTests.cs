using Qllm.Artifacts.Tokenization;
using Xunit.Abstractions;

namespace Qllm.Artifacts.Tests.Tokenization.HuggingFace;

/// <summary>
/// Ids equal to the reference implementation's (tokenizers.js under node) on the whole evaluation
/// text and on the edge cases, with the real tokenizer.json of Llama 3.1, Qwen3 and Llama 2.
/// </summary>
public sealed class ReferenceAgreementTests
{
    private readonly ITestOutputHelper _output;

    public ReferenceAgreementTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(HuggingFaceTokenizerPackages.Llama31)]
    [InlineData(HuggingFaceTokenizerPackages.Qwen3)]
    [InlineData(HuggingFaceTokenizerPackages.Llama2)]
    public void Ids_equal_the_reference_on_the_evaluation_text_and_the_edge_cases(string package)
    {
        var path = Path.Combine(HuggingFaceTokenizerPackages.ModelFolder(package), "tokenizer.json");
        var tokenizer = HuggingFaceTokenizer.Load(path);
        string[] texts = [File.ReadAllText(TestData.EvaluationTextPath), .. EdgeCaseTexts.Common];

        var expected = HuggingFaceTokenizerPackages.ReferenceIds(path, texts);

        var compared = 0;
        for (var i = 0; i < texts.Length; i++)
        {
            var actual = tokenizer.Encode(texts[i]);
            Assert.True(expected[i].SequenceEqual(actual), Difference(tokenizer, texts[i], expected[i], actual));
            compared += actual.Count;
        }

        _output.WriteLine($"{package}: {compared} ids equal ({expected[0].Length} on the evaluation text)");
        Assert.True(expected[0].Length > 90_000, "the evaluation text is the whole Brown evaluation split");
    }

    private static string Difference(HuggingFaceTokenizer tokenizer, string text, int[] expected, IReadOnlyList<int> actual)
    {
        var at = 0;
        while (at < expected.Length && at < actual.Count && expected[at] == actual[at])
        {
            at++;
        }

        var from = Math.Max(0, at - 3);
        string Show(IEnumerable<int> ids) => string.Join(" ", ids.Skip(from).Take(8).Select(id => $"{id}({tokenizer.Decode([id])})"));
        var shown = text.Length > 80 ? text[..80] + "..." : text;
        return $"text '{shown}': first difference at id {at} of {expected.Length}: reference {Show(expected)}, ours {Show(actual)}";
    }
}

using System.Text.Json;
using Qllm.Artifacts.Tokenization;

namespace Qllm.Tool.Tests.Commands.Tokenize;

/// <summary>`qllm tokenize`: the ids of a llama2.c model, a Hugging Face folder and an artifact, and its errors.</summary>
[Collection(QuantizedArtifactGroup.Name)]
public sealed class TokenizeCommandTests(QuantizedArtifactFixture fixture) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_llama2c_model_prints_bos_and_the_ids_on_one_line()
    {
        var run = await QllmRun.InvokeAsync("tokenize", TestData.ModelPath, "--prompt", "Once upon a time");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("1 9038 2501 263 931\n", run.Output);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Json_prints_an_object_of_ids_and_no_bos_leaves_bos_out()
    {
        var run = await QllmRun.InvokeAsync("tokenize", TestData.ModelPath, "--prompt", "Once upon a time", "--json", "--no-bos");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        Assert.Equal([9038, 2501, 263, 931], document.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task A_text_file_is_tokenized_whole()
    {
        var run = await QllmRun.InvokeAsync("tokenize", TestData.ModelPath, "--text", TestData.EvaluationTextPath);

        var expected = Llama2CTokenizer.Load(TestData.TokenizerPath).Encode(File.ReadAllText(TestData.EvaluationTextPath));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Join(" ", [1, .. expected]) + "\n", run.Output);
    }

    [Fact]
    public async Task A_hugging_face_folder_with_only_tokenizer_json_uses_it_as_the_reference_does()
    {
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(HuggingFaceTokenizerPackages.ModelFolder(HuggingFaceTokenizerPackages.Llama31), name), _folder.File(name));
        }

        const string Prompt = "<|start_header_id|>user<|end_header_id|>\n\nHello, 世界! 👋";
        var run = await QllmRun.InvokeAsync("tokenize", _folder.Path, "--prompt", Prompt);

        var reference = HuggingFaceTokenizerPackages.ReferenceIds(_folder.File("tokenizer.json"), [Prompt])[0];
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Join(" ", [128000, .. reference]) + "\n", run.Output);
    }

    [Fact]
    public async Task A_tokenizer_model_with_a_tokenizer_config_cuts_its_special_tokens_out_as_the_artifact_does()
    {
        SentencePieceModelWriter.WriteFile(Llama2CTokenizer.Load(TestData.TokenizerPath), _folder.File("tokenizer.model"));
        File.WriteAllText(_folder.File("tokenizer_config.json"), TinyLlamaTokenizerConfig.Json());

        var run = await QllmRun.InvokeAsync("tokenize", _folder.Path, "--prompt", "<|user|>\nHi</s>\n<|assistant|>\n");

        var plain = SentencePieceTokenizer.Load(_folder.File("tokenizer.model"));
        int[] expected = [1, .. plain.Encode("<|user|>\nHi"), 2, .. plain.Encode("\n<|assistant|>\n")];
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Join(" ", expected) + "\n", run.Output);
    }

    [Fact]
    public async Task An_artifact_uses_the_tokenizer_it_carries()
    {
        var run = await QllmRun.InvokeAsync("tokenize", fixture.ArtifactPath, "--prompt", "Once upon a time");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("1 9038 2501 263 931\n", run.Output);
    }

    [Fact]
    public async Task Text_and_prompt_are_one_or_the_other()
    {
        var neither = await QllmRun.InvokeAsync("tokenize", TestData.ModelPath);
        var both = await QllmRun.InvokeAsync("tokenize", TestData.ModelPath, "--prompt", "a", "--text", TestData.EvaluationTextPath);

        Assert.Equal(2, neither.ExitCode);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("give exactly one of --text FILE and --prompt TEXT", neither.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tokenizer_json_of_an_unknown_model_type_is_one_coded_error_naming_it()
    {
        var path = _folder.File("tokenizer.json");
        File.WriteAllText(path, """{"model": {"type": "WordPiece", "vocab": {"a": 0}}}""");

        var run = await QllmRun.InvokeAsync("tokenize", _folder.Path, "--prompt", "a");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{path}: error QLLM2006: model type 'WordPiece' is not supported", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task A_folder_without_a_tokenizer_says_which_files_it_looked_for()
    {
        var run = await QllmRun.InvokeAsync("tokenize", _folder.Path, "--prompt", "a");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error QLLM2005: no tokenizer beside the model: none of tokenizer.model, tokenizer.json or tokenizer.bin is there", run.Error, StringComparison.Ordinal);
    }
}

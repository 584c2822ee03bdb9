using Qllm.Artifacts.Container;
using Qllm.Artifacts.Schema;
using Qllm.Artifacts.Tokenization;

namespace Qllm.Artifacts.Tests.Tokenization.HuggingFace;

/// <summary>The real files' BOS/EOS, chat template, decoding, the folder search and the artifact round trip.</summary>
public sealed class HuggingFaceTokenizerTests
{
    [Fact]
    public void Llama3_starts_with_begin_of_text_from_its_post_processor_and_ends_turns_with_eot()
    {
        var tokenizer = Load(HuggingFaceTokenizerPackages.Llama31);

        Assert.Equal(128256, tokenizer.VocabSize);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal(128000, tokenizer.BosId);
        Assert.Equal("<|eot_id|>", tokenizer.EosToken);
        Assert.Equal(128009, tokenizer.EosId);
        Assert.Contains("<|start_header_id|>", tokenizer.ChatTemplate, StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen3_has_no_bos_and_ends_turns_with_im_end()
    {
        var tokenizer = Load(HuggingFaceTokenizerPackages.Qwen3);

        Assert.False(tokenizer.AddBosToken);
        Assert.Null(tokenizer.BosToken);
        Assert.True(tokenizer.TryGetTokenId("<|im_end|>", out var imEnd));
        Assert.Equal(imEnd, tokenizer.EosId);
        Assert.Contains("<|im_start|>", tokenizer.ChatTemplate, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sentencepiece_style_file_adds_bos_as_its_config_says()
    {
        var tokenizer = Load(HuggingFaceTokenizerPackages.Llama2);

        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal(2, tokenizer.EosId);
    }

    [Theory]
    [InlineData(HuggingFaceTokenizerPackages.Llama31)]
    [InlineData(HuggingFaceTokenizerPackages.Qwen3)]
    [InlineData(HuggingFaceTokenizerPackages.Llama2)]
    public void Decoding_gives_back_the_text(string package)
    {
        var tokenizer = Load(package);
        var text = "Once upon a time, naïve 你好 👨‍👩‍👧 \t  spaces\n\nend";

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal("Hi", tokenizer.Decode([tokenizer.BosId, .. tokenizer.Encode("Hi")]));
    }

    [Fact]
    public void A_folder_with_only_tokenizer_json_gets_it()
    {
        using var folder = new TemporaryFolder();
        CopyTokenizer(HuggingFaceTokenizerPackages.Llama31, folder.Path);

        Assert.Equal(folder.File("tokenizer.json"), TokenizerFiles.Resolve(folder.Path, tokenizerPath: null));
        var tokenizer = Assert.IsType<HuggingFaceTokenizer>(TokenizerFiles.LoadForModel(folder.Path, tokenizerPath: null, 128256));
        Assert.Equal(128009, tokenizer.EosId);
    }

    [Fact]
    public void Travels_in_an_artifact_with_its_config()
    {
        using var folder = new TemporaryFolder();
        var source = HuggingFaceTokenizerPackages.ModelFolder(HuggingFaceTokenizerPackages.Qwen3);
        var writer = new ArtifactWriter();
        ArtifactSchema.WriteHuggingFaceTokenizer(writer, File.ReadAllBytes(Path.Combine(source, "tokenizer.json")), File.ReadAllBytes(Path.Combine(source, "tokenizer_config.json")));
        var path = folder.File("t.qllm");
        writer.Write(path);

        using var reader = ArtifactReader.Open(path);
        var carried = Assert.IsType<HuggingFaceTokenizer>(ArtifactSchema.ReadTokenizer(reader, 151936));
        var original = Load(HuggingFaceTokenizerPackages.Qwen3);

        Assert.Equal(ArtifactSchema.HuggingFaceTokenizerFormat, ArtifactSchema.ReadTokenizerFormat(reader));
        Assert.Equal(original.ChatTemplate, carried.ChatTemplate);
        Assert.Equal(original.EosId, carried.EosId);
        Assert.Equal(original.Encode("Hello, 世界 <|im_end|>"), carried.Encode("Hello, 世界 <|im_end|>"));
    }

    private static HuggingFaceTokenizer Load(string package) =>
        HuggingFaceTokenizer.Load(Path.Combine(HuggingFaceTokenizerPackages.ModelFolder(package), "tokenizer.json"));

    private static void CopyTokenizer(string package, string destination)
    {
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(HuggingFaceTokenizerPackages.ModelFolder(package), name), Path.Combine(destination, name));
        }
    }
}

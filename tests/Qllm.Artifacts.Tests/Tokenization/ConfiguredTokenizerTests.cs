using System.Text;
using System.Text.RegularExpressions;
using Qllm.Artifacts.Templates;
using Qllm.Artifacts.Tokenization;

namespace Qllm.Artifacts.Tests.Tokenization;

/// <summary>
/// A <c>tokenizer.model</c> with TinyLlama's <c>tokenizer_config.json</c> beside it: its chat
/// template and special tokens, and prompts encoded as the model's <c>tokenizer.json</c> encodes them.
/// </summary>
public sealed partial class ConfiguredTokenizerTests
{
    private static readonly (string Role, string Content)[] Conversation =
        [("system", "You are a friendly chatbot."), ("user", "Hello!"), ("assistant", "Hi there."), ("user", "Tell me a story about a cat.")];

    [Fact]
    public void The_reference_encodes_a_prompt_stretch_by_stretch_between_its_special_tokens()
    {
        // The rule the configured tokenizer follows, checked on the reference with a real LLaMA-style
        // tokenizer.json (Prepend "▁" normalizer, <s> </s> <unk> added): each stretch between special
        // tokens is encoded on its own, its dummy prefix included.
        var folder = HuggingFaceTokenizerPackages.ModelFolder(HuggingFaceTokenizerPackages.Llama2);
        var path = Path.Combine(folder, "tokenizer.json");
        var prompt = Render(addGenerationPrompt: true);
        var stretches = SpecialTokens().Split(prompt).Where(s => s.Length > 0).ToArray();
        var reference = HuggingFaceTokenizerPackages.ReferenceIds(path, [prompt, .. stretches]);

        var joined = reference.Skip(1).SelectMany(ids => ids).ToArray();
        Assert.Equal(reference[0], joined);
        Assert.Equal(Conversation.Length, reference[0].Count(id => id == 2));
    }

    [Fact]
    public void A_tokenizer_model_with_the_config_has_its_template_and_cuts_its_special_tokens_out()
    {
        var tokenizer = Assert.IsAssignableFrom<IChatTokenizer>(Configured());
        var plain = Plain();
        var prompt = Render(addGenerationPrompt: true);

        Assert.Equal(TinyLlamaTokenizerConfig.ChatTemplate, tokenizer.ChatTemplate);
        Assert.Equal(("<s>", "</s>", true), (tokenizer.BosToken, tokenizer.EosToken, tokenizer.AddBosToken));
        Assert.Equal((1, 2), (tokenizer.BosId, tokenizer.EosId));
        Assert.True(tokenizer.TryGetTokenId("</s>", out var eos) && eos == 2);
        Assert.True(tokenizer.TryGetTokenId("\u2581the", out var the) && the == plain.Encode("the")[0]);

        var expected = SpecialTokens().Split(prompt).Where(s => s.Length > 0)
            .SelectMany(s => s switch { "<s>" => [1], "</s>" => [2], "<unk>" => [0], _ => plain.Encode(s) })
            .ToArray();
        Assert.Equal(expected, tokenizer.Encode(prompt));
        Assert.Equal(Conversation.Length, tokenizer.Encode(prompt).Count(id => id == 2));
        Assert.Equal(plain.Encode("Once upon a time"), tokenizer.Encode("Once upon a time"));
        Assert.Equal(plain.Decode(plain.Encode("Hello there")), tokenizer.Decode(tokenizer.Encode("Hello there")));
    }

    [Fact]
    public void Without_a_config_or_with_a_tokenizer_json_the_tokenizer_is_unchanged()
    {
        var plain = Plain();
        Assert.Same(plain, TokenizerFiles.WithConfig(plain, null, "x"));
        var hf = HuggingFaceTokenizer.Load(Path.Combine(HuggingFaceTokenizerPackages.ModelFolder(HuggingFaceTokenizerPackages.Llama2), "tokenizer.json"));
        Assert.Same(hf, TokenizerFiles.WithConfig(hf, Encoding.UTF8.GetBytes(TinyLlamaTokenizerConfig.Json()), "x"));
    }

    [Fact]
    public void A_config_that_is_not_JSON_is_a_coded_error_naming_it()
    {
        var error = Assert.Throws<Qllm.Core.Errors.QllmException>(() => TokenizerFiles.WithConfig(Plain(), "{ nope"u8.ToArray(), "m/tokenizer_config.json"));
        Assert.Equal(Qllm.Core.Errors.ErrorCodes.BadTokenizer, error.Code);
        Assert.Equal("m/tokenizer_config.json", error.File);
    }

    private static SentencePieceTokenizer Plain()
    {
        using var stream = new MemoryStream(ReferenceIds.WrittenModel);
        return SentencePieceTokenizer.Load(stream, "tokenizer.model");
    }

    private static ITextTokenizer Configured() =>
        TokenizerFiles.WithConfig(Plain(), Encoding.UTF8.GetBytes(TinyLlamaTokenizerConfig.Json()), "tokenizer_config.json");

    private static string Render(bool addGenerationPrompt) =>
        ChatPromptTemplate.Parse(TinyLlamaTokenizerConfig.ChatTemplate, "tinyllama").Render(Conversation, addGenerationPrompt, "<s>", "</s>");

    [GeneratedRegex("(<s>|</s>|<unk>)")]
    private static partial Regex SpecialTokens();
}

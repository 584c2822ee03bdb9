using Qllm.Artifacts.Tokenization;
using Qllm.Runtime.Chat;

namespace Qllm.Runtime.Tests;

/// <summary>Chat prompts with the real Llama 3.1 and Qwen3 tokenizers: BOS once or not at all, and their end-of-turn tokens.</summary>
public sealed class ChatPromptTests
{
    private static readonly ChatTurn[] Conversation = [ChatTurn.System("Be brief."), ChatTurn.User("Hi"), ChatTurn.Assistant("Hello."), ChatTurn.User("Bye")];

    [Fact]
    public void Llama_3_1_prompts_start_with_one_BOS_and_stop_at_its_end_of_turn_tokens()
    {
        var tokenizer = Load(HuggingFaceTokenizerPackages.Llama31);
        var chat = new ChatPrompt(tokenizer, "llama3_1");
        var prompt = chat.Format(Conversation, addGenerationPrompt: true);
        var tokens = chat.Tokens(prompt);

        Assert.True(tokenizer.AddBosToken);
        Assert.StartsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>", prompt, StringComparison.Ordinal);
        Assert.EndsWith("<|start_header_id|>assistant<|end_header_id|>\n\n", prompt, StringComparison.Ordinal);
        Assert.Equal(128000, tokens[0]);
        Assert.Equal(1, tokens.Count(t => t == 128000));
        Assert.Equal(tokenizer.Encode(prompt), tokens);
        Assert.Superset(new HashSet<int> { 128001, 128009 }, chat.EndOfTurn.ToHashSet());
    }

    [Fact]
    public void Qwen3_prompts_have_no_BOS_and_stop_at_im_end()
    {
        var tokenizer = Load(HuggingFaceTokenizerPackages.Qwen3);
        var chat = new ChatPrompt(tokenizer, "qwen3");
        var prompt = chat.Format(Conversation, addGenerationPrompt: true);
        var tokens = chat.Tokens(prompt);

        Assert.False(tokenizer.AddBosToken);
        Assert.StartsWith("<|im_start|>system\nBe brief.<|im_end|>\n", prompt, StringComparison.Ordinal);
        Assert.EndsWith("<|im_start|>assistant\n", prompt, StringComparison.Ordinal);
        Assert.Equal(tokenizer.Encode(prompt), tokens);
        tokenizer.TryGetTokenId("<|im_start|>", out var imStart);
        Assert.Equal(imStart, tokens[0]);
        Assert.Superset(new HashSet<int> { 151643, 151645 }, chat.EndOfTurn.ToHashSet());
    }

    private static HuggingFaceTokenizer Load(string package) =>
        HuggingFaceTokenizer.Load(Path.Combine(HuggingFaceTokenizerPackages.ModelFolder(package), "tokenizer.json"));
}

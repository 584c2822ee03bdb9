using Qllm.Artifacts.Schema;
using Qllm.Artifacts.Tokenization;
using Qllm.Engine.Loading;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests;

/// <summary>Consecutive windows of a real text as `qllm eval` cuts them: BOS, then the text's next SeqLen − 1 tokens.</summary>
internal static class TextWindows
{
    /// <summary>[<paramref name="windows"/>, SeqLen] token ids from the first <paramref name="maxCharacters"/> characters of <paramref name="textPath"/>.</summary>
    public static Tensor Tokens(string textPath, LlamaConfig config, int windows, int maxCharacters)
    {
        var tokenizer = Llama2CTokenizer.Load(TestData.TokenizerPath, config.VocabSize);
        var text = File.ReadAllText(textPath);
        var ids = tokenizer.Encode(text[..Math.Min(text.Length, maxCharacters)]).Select(i => (long)i).ToArray();
        var width = config.SeqLen - 1;
        var batch = Enumerable.Range(0, windows).SelectMany(w => ids.Skip(w * width).Take(width).Prepend(tokenizer.BosId)).ToArray();
        Assert.Equal(windows * config.SeqLen, batch.Length);
        return tensor(batch, [windows, config.SeqLen]);
    }
}

using System.Text;
using Qllm.Artifacts.Tokenization;

namespace Qllm.Artifacts.Tests.Tokenization;

/// <summary>
/// run.c's encode transcribed as literally as C# allows (string concatenation and lookup per pair,
/// a full scan per merge): the reference the fast encoder must equal. With
/// <c>preferRightmost</c>, ties go to the rightmost pair, as Microsoft.ML.Tokenizers 2.0.1 breaks them.
/// </summary>
internal sealed class NaiveLlama2CEncoder
{
    private readonly Llama2CTokenizer _tokenizer;
    private readonly string[] _pieces;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    private readonly bool _preferRightmost;

    public NaiveLlama2CEncoder(Llama2CTokenizer tokenizer, bool preferRightmost = false)
    {
        _tokenizer = tokenizer;
        _preferRightmost = preferRightmost;
        _pieces = new string[tokenizer.VocabSize];
        for (var id = 0; id < tokenizer.VocabSize; id++)
        {
            _pieces[id] = Encoding.Latin1.GetString(tokenizer.GetPiece(id));
            _ids.TryAdd(_pieces[id], id);
        }
    }

    public List<int> Encode(string text)
    {
        var tokens = new List<int>();
        if (text.Length == 0)
        {
            return tokens;
        }

        tokens.Add(_ids[" "]);
        var bytes = Encoding.UTF8.GetBytes(text);
        var buffer = new StringBuilder();
        for (var c = 0; c < bytes.Length; c++)
        {
            if ((bytes[c] & 0xC0) != 0x80)
            {
                buffer.Clear();
            }

            buffer.Append((char)bytes[c]);
            if (c + 1 < bytes.Length && (bytes[c + 1] & 0xC0) == 0x80 && buffer.Length < 4)
            {
                continue;
            }

            if (_ids.TryGetValue(buffer.ToString(), out var id))
            {
                tokens.Add(id);
            }
            else
            {
                foreach (var ch in buffer.ToString())
                {
                    tokens.Add(ch + 3);
                }
            }

            buffer.Clear();
        }

        while (true)
        {
            var bestScore = -1e10f;
            var bestId = -1;
            var bestIndex = -1;
            for (var i = 0; i < tokens.Count - 1; i++)
            {
                if (_ids.TryGetValue(_pieces[tokens[i]] + _pieces[tokens[i + 1]], out var id) 
                    && (_tokenizer.GetScore(id) > bestScore || (_preferRightmost && bestIndex >= 0 && _tokenizer.GetScore(id) == bestScore)))
                {
                    bestScore = _tokenizer.GetScore(id);
                    bestId = id;
                    bestIndex = i;
                }
            }

            if (bestIndex == -1)
            {
                return tokens;
            }

            tokens[bestIndex] = bestId;
            tokens.RemoveAt(bestIndex + 1);
        }
    }
}

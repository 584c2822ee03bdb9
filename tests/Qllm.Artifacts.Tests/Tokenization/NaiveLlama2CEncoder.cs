using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Qllm.Artifacts.Tests.Tokenization;

/// <summary>
/// llama2.c's run.c, <c>build_tokenizer</c> and <c>encode</c>, transcribed as literally as C#
/// allows: the reference the product's tokenizers must equal. It reads tokenizer.bin itself and
/// shares nothing with the code under test. With <c>preferRightmost</c>, ties go to the rightmost
/// pair, as Microsoft.ML.Tokenizers 2.0.1 breaks them.
/// </summary>
/// <remarks>
/// Pieces are Latin-1 strings (one char per byte), so comparisons are run.c's byte-wise strcmp.
/// The O(n²) loop takes a few seconds over the evaluation text, line by line.
/// </remarks>
internal sealed class NaiveLlama2CEncoder
{
    private readonly string[] _vocab;
    private readonly float[] _vocabScores;
    private readonly Dictionary<string, int> _sortedVocab = new(StringComparer.Ordinal);
    private readonly bool _preferRightmost;

    private NaiveLlama2CEncoder(string[] vocab, float[] vocabScores, bool preferRightmost)
    {
        _vocab = vocab;
        _vocabScores = vocabScores;
        _preferRightmost = preferRightmost;
        for (var id = 0; id < vocab.Length; id++)
        {
            // run.c's bsearch finds one of two equal pieces, whichever; a vocabulary with two would
            // make the reference ambiguous, so it has none.
            _sortedVocab.Add(vocab[id], id);
        }
    }

    /// <summary>run.c's <c>build_tokenizer</c>: max_token_length, then per token its score, length and bytes.</summary>
    /// <remarks>
    /// stories15M's tokenizer.bin comes from an early llama2.c export that wrote the byte tokens
    /// (ids 3 to 258) as the character U+00XX, so "a" is both id 100 and a normal piece, and run.c's
    /// bsearch may return either. The current export writes them as SentencePiece names them,
    /// <c>&lt;0xXX&gt;</c>; they are read that way, which makes every piece unique.
    /// </remarks>
    public static NaiveLlama2CEncoder Load(string path, bool preferRightmost = false)
    {
        var file = File.ReadAllBytes(path);
        var vocab = new List<string>();
        var scores = new List<float>();
        var offset = 4;
        while (offset < file.Length)
        {
            scores.Add(BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(offset)));
            var length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset + 4));
            vocab.Add(Encoding.Latin1.GetString(file, offset + 8, length));
            offset += 8 + length;
        }

        for (var b = 0; b < 256; b++)
        {
            vocab[b + 3] = string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>");
        }

        return new NaiveLlama2CEncoder([.. vocab], [.. scores], preferRightmost);
    }

    /// <summary>run.c's <c>encode</c> with bos = eos = 0.</summary>
    public List<int> Encode(string text)
    {
        var tokens = new List<int>();
        var bytes = Encoding.UTF8.GetBytes(text);

        // add_dummy_prefix is true by default, so prepend a dummy prefix token to the input string,
        // but only if the input string is not empty.
        if (bytes.Length > 0)
        {
            tokens.Add(StrLookup(" "));
        }

        // Process the raw (UTF-8) byte sequence of the input string.
        var strBuffer = new StringBuilder();
        for (var c = 0; c < bytes.Length; c++)
        {
            // Reset the buffer if the current byte is ASCII or a leading byte.
            if ((bytes[c] & 0xC0) != 0x80)
            {
                strBuffer.Clear();
            }

            strBuffer.Append((char)bytes[c]);

            // While the next character is a continuation byte, continue appending (at most 4 bytes).
            if (c + 1 < bytes.Length && (bytes[c + 1] & 0xC0) == 0x80 && strBuffer.Length < 4)
            {
                continue;
            }

            var id = StrLookup(strBuffer.ToString());
            if (id != -1)
            {
                tokens.Add(id);
            }
            else
            {
                // byte_fallback encoding: just encode each byte as a token; +3 because the first 3
                // vocab elements are <unk>, <s>, </s>.
                foreach (var ch in strBuffer.ToString())
                {
                    tokens.Add(ch + 3);
                }
            }

            strBuffer.Clear();
        }

        // Merge the best consecutive pair each iteration, according to the scores in vocab_scores.
        while (true)
        {
            var bestScore = -1e10f;
            var bestId = -1;
            var bestIdx = -1;
            for (var i = 0; i < tokens.Count - 1; i++)
            {
                // Check if we can merge the pair (tokens[i], tokens[i+1]).
                var id = StrLookup(_vocab[tokens[i]] + _vocab[tokens[i + 1]]);
                if (id != -1 && (_vocabScores[id] > bestScore || (_preferRightmost && bestIdx != -1 && _vocabScores[id] == bestScore)))
                {
                    // This merge pair exists in vocab! Record its score and position.
                    bestScore = _vocabScores[id];
                    bestId = id;
                    bestIdx = i;
                }
            }

            if (bestIdx == -1)
            {
                return tokens; // We couldn't find any more pairs to merge, so we're done.
            }

            // Merge the consecutive pair (best_idx, best_idx+1) into new token best_id, and delete token at best_idx+1.
            tokens[bestIdx] = bestId;
            tokens.RemoveAt(bestIdx + 1);
        }
    }

    private int StrLookup(string str) => _sortedVocab.TryGetValue(str, out var id) ? id : -1;
}

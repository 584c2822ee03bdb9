using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// The <c>BPE</c> model of a <c>tokenizer.json</c>: a word's characters (code points) become
/// their tokens, a character outside the vocabulary its UTF-8 byte tokens (<c>&lt;0xXX&gt;</c>,
/// with byte fallback) or the unknown token, and then pairs merge by <see cref="PriorityBpe"/> (lowest rank first), as
/// Hugging Face tokenizers do.
/// </summary>
internal sealed class BpeModel
{
    /// <summary>Words up to this length are cached: text repeats its words, and merging is the costly step.</summary>
    private const int MaxCachedWordLength = 64;

    /// <summary>A bound on the cache, so that a long stream of distinct words cannot grow it without end.</summary>
    private const int MaxCachedWords = 200_000;

    private readonly Dictionary<string, int> _ids;
    private readonly LongKeyTable<BpeMerge> _merges;
    private readonly int[]? _byteIds;
    private readonly int? _unknownId;
    private readonly bool _fuseUnknown;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BpeModel(Dictionary<string, int> ids, LongKeyTable<BpeMerge> merges, bool byteFallback, int? unknownId, bool fuseUnknown, bool ignoreMerges)
    {
        _ids = ids;
        _merges = merges;
        _unknownId = unknownId;
        _fuseUnknown = fuseUnknown;
        _ignoreMerges = ignoreMerges;
        if (byteFallback)
        {
            _byteIds = new int[256];
            for (var b = 0; b < 256; b++)
            {
                _byteIds[b] = ids.TryGetValue(ByteTokenText(b), out var id) ? id : -1;
            }
        }
    }

    /// <summary>Token text to id.</summary>
    public IReadOnlyDictionary<string, int> Ids => _ids;

    /// <summary>The text of byte token <paramref name="value"/>, as SentencePiece names it.</summary>
    public static string ByteTokenText(int value) => string.Create(CultureInfo.InvariantCulture, $"<0x{value:X2}>");

    /// <summary>Appends the ids of one pre-tokenized word to <paramref name="output"/>.</summary>
    public void Encode(string word, List<int> output)
    {
        if (word.Length == 0)
        {
            return;
        }

        // ignore_merges (Llama 3): a word that is itself a token is that token, whatever the merges would make of it.
        if (_ignoreMerges && _ids.TryGetValue(word, out var whole))
        {
            output.Add(whole);
            return;
        }

        if (_cache.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        var symbols = new List<int>(word.Length);
        var lastWasUnknown = false;
        foreach (var rune in word.EnumerateRunes())
        {
            var text = rune.ToString();
            if (_ids.TryGetValue(text, out var id))
            {
                symbols.Add(id);
                lastWasUnknown = false;
            }
            else if (TryAddBytes(rune, symbols))
            {
                lastWasUnknown = false;
            }
            else if (_unknownId is { } unknown)
            {
                if (!(_fuseUnknown && lastWasUnknown))
                {
                    symbols.Add(unknown);
                }

                lastWasUnknown = true;
            }
        }

        var merged = PriorityBpe.Merge(CollectionsMarshal.AsSpan(symbols), _merges);
        symbols.Clear();
        symbols.AddRange(merged);
        if (word.Length <= MaxCachedWordLength)
        {
            if (_cache.Count >= MaxCachedWords)
            {
                _cache.Clear();
            }

            _cache.TryAdd(word, [.. symbols]);
        }

        output.AddRange(symbols);
    }

    private bool TryAddBytes(Rune rune, List<int> symbols)
    {
        if (_byteIds is null)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[4];
        var length = rune.EncodeToUtf8(utf8);
        for (var i = 0; i < length; i++)
        {
            if (_byteIds[utf8[i]] < 0)
            {
                return false;
            }
        }

        for (var i = 0; i < length; i++)
        {
            symbols.Add(_byteIds[utf8[i]]);
        }

        return true;
    }
}

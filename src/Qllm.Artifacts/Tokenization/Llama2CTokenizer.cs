using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// The tokenizer of llama2.c (<c>tokenizer.bin</c>): encodes exactly as llama2.c's <c>run.c</c>
/// does (dummy-prefix space, UTF-8 code point lookup, byte fallback to id byte + 3, then merging the
/// best-scoring adjacent pair until none merges), in O(n log n) rather than run.c's O(n²).
/// </summary>
/// <remarks>
/// Older llama2.c exports (the one shipped with stories15M among them) store the 256 byte tokens
/// as the character U+00XX instead of <c>&lt;0xXX&gt;</c>, which gives pieces such as "a" two ids.
/// Both forms are read as byte tokens and shown as <c>&lt;0xXX&gt;</c>, so lookups are unambiguous
/// and encoding matches the current run.c and SentencePiece.
/// </remarks>
public sealed class Llama2CTokenizer : ITextTokenizer
{
    /// <summary>Id of <c>&lt;unk&gt;</c>.</summary>
    public const int UnknownId = 0;

    /// <summary>The id of byte 0; byte b falls back to id b + 3, as in run.c.</summary>
    private const int FirstByteId = 3;

    /// <summary>run.c's starting best score: merged pieces scoring at or below it are never chosen.</summary>
    private const float NeverMergedScore = -1e10f;

    /// <summary>SentencePiece's surface for an unknown token.</summary>
    private const string UnknownSurface = " \u2047 ";

    private readonly byte[][] _pieces;
    private readonly float[] _scores;
    private readonly bool[] _isByte;
    private readonly LongKeyTable<int> _symbolIds;
    private readonly LongKeyTable<BpeMerge> _merges;
    private readonly bool _addDummyPrefix;

    private Llama2CTokenizer(int maxTokenLength, byte[][] pieces, float[] scores, bool lookUpReservedPieces, bool addDummyPrefix = true)
    {
        MaxTokenLength = maxTokenLength;
        _addDummyPrefix = addDummyPrefix;
        _scores = scores;
        _pieces = pieces;
        _isByte = new bool[pieces.Length];
        for (var id = FirstByteId; id < Math.Min(pieces.Length, FirstByteId + 256); id++)
        {
            var value = id - FirstByteId;
            var hex = ByteTokenText(value);
            if (pieces[id].AsSpan().SequenceEqual(hex) || pieces[id].AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(((char)value).ToString())))
            {
                _isByte[id] = true;
                _pieces[id] = hex;
            }
        }

        // run.c looks every piece up, <s> and </s> included; SentencePiece never merges into <unk>,
        // <s>, </s> or byte pieces.
        var index = new PieceIndex(_pieces, lookUpReservedPieces ? 0 : FirstByteId + 256);
        (_symbolIds, _merges) = BuildTables(index, _pieces, scores);
    }

    // Every piece split in two at every place, looked up without allocating: at a 32k vocabulary this
    // loop was about a quarter of what a fresh process spends opening stories15M, hence fully
    // optimized from its first call rather than tiered.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (LongKeyTable<int> SymbolIds, LongKeyTable<BpeMerge> Merges) BuildTables(PieceIndex index, byte[][] pieces, float[] scores)
    {
        var symbolIds = new LongKeyTable<int>(index.Ids.Count);
        var merges = new LongKeyTable<BpeMerge>(index.Ids.Count);
        foreach (var id in index.Ids)
        {
            ReadOnlySpan<byte> piece = pieces[id];
            if (piece.Length <= 4)
            {
                symbolIds.Set(SymbolKey(piece), id);
            }

            // run.c compares with '>' against its starting best score, so NaN and very low scores never merge.
            if (!(scores[id] > NeverMergedScore))
            {
                continue;
            }

            for (var split = 1; split < piece.Length; split++)
            {
                int left = index.Find(piece[..split]);
                int right = left < 0 ? -1 : index.Find(piece[split..]);
                if (right >= 0)
                {
                    merges.Set(PriorityBpe.PairKey(left, right), new BpeMerge(PriorityBpe.HighestScoreFirst(scores[id]), id));
                }
            }
        }

        return (symbolIds, merges);
    }

    /// <inheritdoc />
    public int VocabSize => _pieces.Length;

    /// <inheritdoc />
    public int BosId => 1;

    /// <inheritdoc />
    public int EosId => 2;

    /// <summary>The longest piece in bytes, as the file's header states it.</summary>
    public int MaxTokenLength { get; }

    /// <summary>
    /// Reads a llama2.c <c>tokenizer.bin</c>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="vocabSize">The model's vocabulary size, which the file must match; null reads every token in the file.</param>
    /// <exception cref="Qllm.Core.Errors.QllmException">The file is missing (QLLM2001) or malformed (QLLM2006).</exception>
    public static Llama2CTokenizer Load(string path, int? vocabSize = null)
    {
        var contents = Llama2CTokenizerFile.Read(path, vocabSize);
        return new Llama2CTokenizer(contents.MaxTokenLength, contents.Pieces, contents.Scores, lookUpReservedPieces: true);
    }

    /// <summary>Reads a llama2.c tokenizer from its bytes (for example, as an artifact carries it).</summary>
    /// <param name="bytes">The tokenizer.bin contents.</param>
    /// <param name="source">Where the bytes came from, for error messages.</param>
    /// <param name="vocabSize">The model's vocabulary size, which the bytes must match; null reads every token.</param>
    public static Llama2CTokenizer Parse(ReadOnlySpan<byte> bytes, string source, int? vocabSize = null)
    {
        var contents = Llama2CTokenizerFile.Parse(bytes, source, vocabSize);
        return new Llama2CTokenizer(contents.MaxTokenLength, contents.Pieces, contents.Scores, lookUpReservedPieces: true);
    }

    /// <summary>
    /// Builds the encoder of a LLaMA-shaped SentencePiece model (<see cref="SentencePieceLlamaEncoder"/>):
    /// pieces with ' ' for U+2581. Unlike run.c, and like SentencePiece, no merge yields &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt; or a byte piece,
    /// and the dummy-prefix space is the model's choice.
    /// </summary>
    internal static Llama2CTokenizer FromSentencePiece(byte[][] pieces, float[] scores, bool addDummyPrefix) =>
        new(pieces.Max(p => p.Length), pieces, scores, lookUpReservedPieces: false, addDummyPrefix);

    /// <summary>
    /// The piece of a token as UTF-8 bytes, with spaces where SentencePiece has U+2581. Byte tokens
    /// read <c>&lt;0xXX&gt;</c>; <c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c> read as the file stores them
    /// (llama2.c writes "\n&lt;s&gt;\n").
    /// </summary>
    public ReadOnlySpan<byte> GetPiece(int id) => _pieces[CheckId(id)];

    /// <summary>The score of a token: higher merges first.</summary>
    public float GetScore(int id) => _scores[CheckId(id)];

    /// <summary>Whether a token is one of the 256 byte-fallback tokens (ids 3 to 258).</summary>
    public bool IsByteToken(int id) => _isByte[CheckId(id)];

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }

        var utf8 = Encoding.UTF8.GetBytes(text);
        var symbols = new List<int>(utf8.Length + 1);
        if (_addDummyPrefix)
        {
            AddSymbol(symbols, " "u8);
        }

        var start = 0;
        while (start < utf8.Length)
        {
            // As run.c: a byte and the continuation bytes after it, at most 4 bytes in all.
            var length = 1;
            while (length < 4 && start + length < utf8.Length && (utf8[start + length] & 0xC0) == 0x80)
            {
                length++;
            }

            AddSymbol(symbols, utf8.AsSpan(start, length));
            start += length;
        }

        return PriorityBpe.Merge(CollectionsMarshal.AsSpan(symbols), _merges);
    }

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>(ids.Count * 4);
        var first = true;
        foreach (var id in ids)
        {
            CheckId(id);
            if (id == BosId || id == EosId)
            {
                continue;
            }

            if (_isByte[id])
            {
                bytes.Add((byte)(id - FirstByteId));
            }
            else
            {
                ReadOnlySpan<byte> piece = id == UnknownId ? Encoding.UTF8.GetBytes(UnknownSurface) : _pieces[id];
                if (first && piece.Length > 0 && piece[0] == (byte)' ')
                {
                    piece = piece[1..];
                }

                bytes.AddRange(piece);
            }

            first = false;
        }

        return Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(bytes));
    }

    private static byte[] ByteTokenText(int value) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"<0x{value:X2}>"));

    /// <summary>A lookup key for a piece of 1 to 4 bytes: the bytes and the length, packed.</summary>
    private static long SymbolKey(ReadOnlySpan<byte> bytes)
    {
        long key = bytes.Length;
        for (var i = 0; i < bytes.Length; i++)
        {
            key |= (long)bytes[i] << (8 * (i + 1));
        }

        return key;
    }

    private void AddSymbol(List<int> symbols, ReadOnlySpan<byte> bytes)
    {
        if (_symbolIds.TryGetValue(SymbolKey(bytes), out var id))
        {
            symbols.Add(id);
            return;
        }

        foreach (var b in bytes)
        {
            // A vocabulary without byte tokens cannot take run.c's blind byte + 3; <unk> is the honest answer.
            var byteId = b + FirstByteId;
            symbols.Add(byteId < _pieces.Length && _isByte[byteId] ? byteId : UnknownId);
        }
    }

    private int CheckId(int id) =>
        (uint)id < (uint)_pieces.Length
            ? id
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token ids run from 0 to {_pieces.Length - 1}.");
}

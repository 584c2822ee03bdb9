using System.Numerics;
using System.Runtime.CompilerServices;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// Finds a vocabulary piece's id from its bytes: an open-addressing table over the pieces
/// themselves, so that building the tokenizer's merge table (every piece split in two at every
/// place) neither copies the pieces into strings nor runs the framework's string dictionary,
/// whose generic code a fresh process executes unoptimized. The first id wins where two pieces
/// are equal.
/// </summary>
internal sealed class PieceIndex
{
    private const int EmptySlot = -1;
    private readonly byte[][] _pieces;
    private readonly int[] _ids;
    private readonly int _mask;

    /// <summary>Indexes the non-empty pieces from <paramref name="firstId"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PieceIndex(byte[][] pieces, int firstId)
    {
        _pieces = pieces;
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * pieces.Length));
        _ids = new int[size];
        Array.Fill(_ids, EmptySlot);
        _mask = size - 1;
        var ids = new List<int>(pieces.Length);
        for (var id = Math.Max(0, firstId); id < pieces.Length; id++)
        {
            if (pieces[id].Length == 0)
            {
                continue;
            }

            int slot = Slot(pieces[id]);
            if (_ids[slot] == EmptySlot)
            {
                _ids[slot] = id;
                ids.Add(id);
            }
        }

        Ids = ids;
    }

    /// <summary>The indexed ids, in increasing order.</summary>
    public IReadOnlyList<int> Ids { get; }

    /// <summary>The id of the piece whose bytes are <paramref name="bytes"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Find(ReadOnlySpan<byte> bytes) => _ids[Slot(bytes)];

    // The slot that holds these bytes, or the empty slot where they would go.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ReadOnlySpan<byte> bytes)
    {
        int slot = (int)Hash(bytes) & _mask;
        while (_ids[slot] != EmptySlot && !_pieces[_ids[slot]].AsSpan().SequenceEqual(bytes))
        {
            slot = (slot + 1) & _mask;
        }

        return slot;
    }

    // FNV-1a, then a multiply so that the low bits, which pick the slot, depend on every byte.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        return (hash ^ (hash >> 15)) * 0x2C1B3C6D;
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// An open-addressing hash table from non-negative 64-bit keys to values: the tokenizers' merge
/// and symbol tables, built once per tokenizer and read on every encode. Its methods are compiled
/// fully optimized from their first call. The framework's Dictionary over these value types is
/// not precompiled, so a fresh process ran its tens of thousands of inserts in unoptimized code
/// while opening an artifact.
/// </summary>
/// <typeparam name="TValue">What a key maps to.</typeparam>
internal sealed class LongKeyTable<TValue>
    where TValue : struct
{
    private const long Empty = -1;
    private long[] _keys;
    private TValue[] _values;
    private int _mask;

    /// <summary>An empty table with room for about <paramref name="capacity"/> keys before it grows.</summary>
    public LongKeyTable(int capacity = 16)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * capacity));
        (_keys, _values, _mask) = (NewKeys(size), new TValue[size], size - 1);
    }

    /// <summary>Keys in the table.</summary>
    public int Count { get; private set; }

    /// <summary>Maps <paramref name="key"/> (≥ 0) to <paramref name="value"/>, replacing what it mapped to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Set(long key, TValue value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(key);
        if (2 * (Count + 1) > _keys.Length)
        {
            Grow();
        }

        int slot = Find(_keys, _mask, key);
        if (_keys[slot] == Empty)
        {
            _keys[slot] = key;
            Count++;
        }

        _values[slot] = value;
    }

    /// <summary>The value of <paramref name="key"/>, if the table has it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGetValue(long key, out TValue value)
    {
        int slot = Find(_keys, _mask, key);
        bool found = key != Empty && _keys[slot] == key;
        value = found ? _values[slot] : default;
        return found;
    }

    // The slot holding key, or the empty slot where it would go (linear probing; at most half full).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Find(long[] keys, int mask, long key)
    {
        int slot = (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 32) & mask;
        while (keys[slot] != key && keys[slot] != Empty)
        {
            slot = (slot + 1) & mask;
        }

        return slot;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Grow()
    {
        var (keys, values) = (_keys, _values);
        int size = 2 * keys.Length;
        (_keys, _values, _mask) = (NewKeys(size), new TValue[size], size - 1);
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] != Empty)
            {
                int slot = Find(_keys, _mask, keys[i]);
                _keys[slot] = keys[i];
                _values[slot] = values[i];
            }
        }
    }

    private static long[] NewKeys(int size)
    {
        var keys = new long[size];
        Array.Fill(keys, Empty);
        return keys;
    }
}

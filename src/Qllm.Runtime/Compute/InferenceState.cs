namespace Qllm.Runtime.Compute;

/// <summary>
/// One sequence's state: the key/value cache of every layer and how many positions it holds. The
/// cache grows with the sequence (doubling, up to the context) rather than being allocated for the
/// whole context up front: Llama 3.x declares 131072 positions, which for a 1B model would be
/// 8.6 GB of cache for every sequence, however short.
/// </summary>
internal sealed class InferenceState
{
    private readonly int _seqLen;
    private readonly int _kvDim;

    public InferenceState(int layers, int seqLen, int kvDim)
    {
        _seqLen = seqLen;
        _kvDim = kvDim;
        Keys = new float[layers][];
        Values = new float[layers][];
        for (int layer = 0; layer < layers; layer++)
        {
            Keys[layer] = [];
            Values[layer] = [];
        }
    }

    /// <summary>Per layer, [capacity × kvDim] keys after the rotary embedding (and state quantization).</summary>
    public float[][] Keys { get; }

    /// <summary>Per layer, [capacity × kvDim] values.</summary>
    public float[][] Values { get; }

    /// <summary>Positions the cache has room for.</summary>
    public int Capacity => _kvDim == 0 ? 0 : Keys.Length == 0 ? _seqLen : Keys[0].Length / _kvDim;

    /// <summary>The forward pass's working buffers for this sequence (created by its first forward pass).</summary>
    public ForwardScratch? Scratch { get; set; }

    /// <summary>Positions filled so far: the next token goes at this position.</summary>
    public int Length { get; set; }

    /// <summary>Makes room for <paramref name="positions"/> positions (at most the context), keeping what is cached.</summary>
    public void EnsureCapacity(int positions)
    {
        if (positions <= Capacity)
        {
            return;
        }

        int capacity = (int)Math.Min(_seqLen, Math.Max(positions, Math.Max(256L, 2L * Capacity)));
        for (int layer = 0; layer < Keys.Length; layer++)
        {
            var keys = Keys[layer];
            var values = Values[layer];
            Array.Resize(ref keys, capacity * _kvDim);
            Array.Resize(ref values, capacity * _kvDim);
            Keys[layer] = keys;
            Values[layer] = values;
        }
    }
}

using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

/// <summary>
/// Keys and values of every layer for the positions decoded so far, [batch, kvHeads, capacity, headDim]
/// each. The capacity grows with the sequence (doubling, from 256 positions, up to the model's
/// context) rather than holding the declared context up front: for Llama 3.1's 131072 positions that
/// would be tens of gigabytes per sequence (the runtime's cache grows the same way).
/// </summary>
public sealed class KvCache : IDisposable
{
    private const int InitialCapacity = 256;

    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly int _seqLen;

    /// <summary>A cache for <paramref name="batch"/> sequences of up to the model's full context.</summary>
    public KvCache(LlamaConfig config, int batch, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(config);
        _seqLen = config.SeqLen;
        _keys = new Tensor[config.Layers];
        _values = new Tensor[config.Layers];
        var capacity = Math.Min(_seqLen, InitialCapacity);
        for (int layer = 0; layer < config.Layers; layer++)
        {
            _keys[layer] = zeros([batch, config.KvHeads, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
            _values[layer] = zeros([batch, config.KvHeads, capacity, config.HeadDim], dtype, device).DetachFromDisposeScope();
        }
    }

    /// <summary>The positions the first layer's tensors hold now (each layer grows as it is appended to).</summary>
    public long Capacity => _keys.Length == 0 ? 0 : _keys[0].shape[2];

    /// <summary>Stores <paramref name="key"/> and <paramref name="value"/> [batch, kvHeads, tokens, headDim] at
    /// positions start.. and returns views of everything cached up to the last of them.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor key, Tensor value, int start)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        long tokens = key.shape[2];
        long needed = start + tokens;
        if (needed > _keys[layer].shape[2])
        {
            long capacity = Math.Min(_seqLen, Math.Max(needed, 2 * _keys[layer].shape[2]));
            _keys[layer] = Grown(_keys[layer], capacity);
            _values[layer] = Grown(_values[layer], capacity);
        }

        _keys[layer].narrow(2, start, tokens).copy_(key);
        _values[layer].narrow(2, start, tokens).copy_(value);
        return (_keys[layer].narrow(2, 0, needed), _values[layer].narrow(2, 0, needed));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values))
        {
            tensor.Dispose();
        }
    }

    // The cache outlives the dispose scope of the step that grows it.
    private static Tensor Grown(Tensor old, long capacity)
    {
        var shape = old.shape;
        shape[2] = capacity;
        var grown = zeros(shape, old.dtype, old.device).DetachFromDisposeScope();
        grown.narrow(2, 0, old.shape[2]).copy_(old);
        old.Dispose();
        return grown;
    }
}

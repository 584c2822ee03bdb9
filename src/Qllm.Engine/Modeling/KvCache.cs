using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

/// <summary>Keys and values of every layer for the positions decoded so far, [batch, kvHeads, seqLen, headDim] each.</summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    /// <summary>Allocates a cache for <paramref name="batch"/> sequences of the model's full context.</summary>
    public KvCache(LlamaConfig config, int batch, Device device, ScalarType dtype = ScalarType.Float32)
    {
        _keys = new Tensor[config.Layers];
        _values = new Tensor[config.Layers];
        for (int layer = 0; layer < config.Layers; layer++)
        {
            _keys[layer] = zeros([batch, config.KvHeads, config.SeqLen, config.HeadDim], dtype, device);
            _values[layer] = zeros([batch, config.KvHeads, config.SeqLen, config.HeadDim], dtype, device);
        }
    }

    /// <summary>Stores <paramref name="key"/> and <paramref name="value"/> [batch, kvHeads, tokens, headDim] at
    /// positions start.. and returns views of everything cached up to the last of them.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor key, Tensor value, int start)
    {
        long tokens = key.shape[2];
        _keys[layer].narrow(2, start, tokens).copy_(key);
        _values[layer].narrow(2, start, tokens).copy_(value);
        return (_keys[layer].narrow(2, 0, start + tokens), _values[layer].narrow(2, 0, start + tokens));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values))
        {
            tensor.Dispose();
        }
    }
}

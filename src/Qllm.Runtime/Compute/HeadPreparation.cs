using System.Runtime.CompilerServices;
using Qllm.Artifacts.Schema;

namespace Qllm.Runtime.Compute;

/// <summary>
/// The query, key and value heads of a batch of tokens made ready for attention, shared out among
/// the workers: the rotary embedding and the head transform of queries and keys, then the state
/// quantization of all three (see <see cref="Attention"/>). Items are (token, head) pairs: the
/// query heads, then the key heads, then the value heads of each token. Refilled for every call.
/// </summary>
internal sealed class HeadPreparation : RowWork
{
    private LlamaConfig? _config;
    private float[] _q = [];
    private float[] _k = [];
    private float[] _v = [];
    private int _start;
    private RotaryTables? _rope;
    private OnlineTransform? _headTransform;
    private int _stateBits;

    /// <summary>Items per token.</summary>
    public static int Heads(LlamaConfig config) => config.Heads + (2 * config.KvHeads);

    public void Set(LlamaConfig config, float[] q, float[] k, float[] v, int start, RotaryTables rope, OnlineTransform? headTransform, int stateBits)
    {
        _config = config;
        _q = q;
        _k = k;
        _v = v;
        _start = start;
        _rope = rope;
        _headTransform = headTransform;
        _stateBits = stateBits;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int start, int end, int worker)
    {
        var config = _config!;
        int perToken = Heads(config), headDim = config.HeadDim, heads = config.Heads, kvHeads = config.KvHeads;
        for (int item = start; item < end; item++)
        {
            int t = item / perToken, h = item % perToken;
            if (h < heads)
            {
                Prepare(_q.AsSpan((t * config.Dim) + (h * headDim), headDim), _start + t, rotate: true);
            }
            else if (h < heads + kvHeads)
            {
                Prepare(_k.AsSpan((t * config.KvDim) + ((h - heads) * headDim), headDim), _start + t, rotate: true);
            }
            else
            {
                Prepare(_v.AsSpan((t * config.KvDim) + ((h - heads - kvHeads) * headDim), headDim), _start + t, rotate: false);
            }
        }
    }

    /// <summary>Queries and keys get the rotary embedding and the head transform (<paramref name="rotate"/>); values neither.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Prepare(Span<float> head, int position, bool rotate)
    {
        if (rotate)
        {
            _rope!.Apply(head, position);
            _headTransform?.Apply(head);
        }

        if (_stateBits > 0)
        {
            TokenQuantizer.FakeQuantize(head, _stateBits);
        }
    }
}

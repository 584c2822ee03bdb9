using System.Runtime.CompilerServices;
using Qllm.Artifacts.Schema;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Compute;

/// <summary>
/// softmax(q·kᵀ/√d)·v for a range of (token, head) items, in double, rounded once to float (see
/// <see cref="Attention"/>). Refilled for every call; each worker has its own score and sum buffers,
/// grown with the cache, so a decode step allocates nothing.
/// </summary>
internal sealed class AttentionWork : RowWork
{
    private double[][] _scores = [];
    private double[][] _sums = [];
    private LlamaConfig? _config;
    private float[] _q = [];
    private float[] _keyCache = [];
    private float[] _valueCache = [];
    private float[] _attended = [];
    private int _start;

    public void Set(LlamaConfig config, float[] q, float[] keyCache, float[] valueCache, int start, int tokens, float[] attended, int workers)
    {
        _config = config;
        _q = q;
        _keyCache = keyCache;
        _valueCache = valueCache;
        _start = start;
        _attended = attended;
        if (_scores.Length < workers)
        {
            Array.Resize(ref _scores, workers);
            Array.Resize(ref _sums, workers);
        }

        // Room for every position the cache holds, so the buffers grow only when the cache does.
        int positions = Math.Max(start + tokens, keyCache.Length / Math.Max(1, config.KvDim));
        for (int w = 0; w < workers; w++)
        {
            if (_scores[w] is null || _scores[w].Length < positions)
            {
                _scores[w] = new double[positions];
            }

            _sums[w] ??= new double[config.HeadDim];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int start, int end, int worker)
    {
        var config = _config!;
        int headDim = config.HeadDim, kvDim = config.KvDim, dim = config.Dim, heads = config.Heads, group = heads / config.KvHeads;
        double scale = 1.0 / Math.Sqrt(headDim);
        var scores = _scores[worker];
        var sums = _sums[worker];
        for (int item = start; item < end; item++)
        {
            int t = item / heads, h = item % heads, kvHead = h / group;
            int visible = _start + t + 1;
            var query = _q.AsSpan((t * dim) + (h * headDim), headDim);
            double max = double.NegativeInfinity;
            for (int j = 0; j < visible; j++)
            {
                scores[j] = DoubleAccumulation.Dot(query, _keyCache.AsSpan((j * kvDim) + (kvHead * headDim), headDim)) * scale;
                max = Math.Max(max, scores[j]);
            }

            double total = 0;
            for (int j = 0; j < visible; j++)
            {
                scores[j] = Math.Exp(scores[j] - max);
                total += scores[j];
            }

            Array.Clear(sums);
            for (int j = 0; j < visible; j++)
            {
                DoubleAccumulation.AddScaled(sums, scores[j], _valueCache.AsSpan((j * kvDim) + (kvHead * headDim), headDim));
            }

            var output = _attended.AsSpan((t * dim) + (h * headDim), headDim);
            for (int d = 0; d < headDim; d++)
            {
                output[d] = (float)(sums[d] / total);
            }
        }
    }
}

using Qllm.Engine.Modeling;
using Qllm.Engine.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// The inputs of a layer's three reassembly points over the calibration set: per-channel max |x|
/// over every token, and an evenly spaced sample of tokens for the threshold search and merging.
/// </summary>
internal sealed class LayerActivations : IDisposable
{
    private readonly Dictionary<ReassemblyPoint, (Tensor Max, Tensor Sample)> _points = [];

    private LayerActivations()
    {
    }

    public (Tensor ChannelMax, Tensor Sample) this[ReassemblyPoint point] => _points[point];

    /// <summary>Runs the layer as it is (full precision) on <paramref name="inputs"/> [samples, tokens, dim] in chunks.</summary>
    public static LayerActivations Collect(DecoderLayer layer, RotaryEmbedding rope, Tensor inputs, int sampleTokens)
    {
        int chunk = CalibrationChunk.Samples(inputs.shape[1]);
        using var noGrad = no_grad();
        var collected = new LayerActivations();
        var parts = new Dictionary<ReassemblyPoint, List<Tensor>> { [ReassemblyPoint.Qkv] = [], [ReassemblyPoint.GateUp] = [], [ReassemblyPoint.Down] = [] };
        long samples = inputs.shape[0], tokens = samples * inputs.shape[1];
        long stride = Math.Max(1, tokens / sampleTokens);
        for (long first = 0; first < samples; first += chunk)
        {
            using (NewDisposeScope())
            {
                var h = inputs.narrow(0, first, Math.Min(chunk, samples - first));
                var x1 = layer.AttentionNorm.call(h);
                var h2 = h + layer.Attention.Forward(x1, rope, layer.Index, cache: null, start: 0);
                var x2 = layer.FeedForwardNorm.call(h2);
                var ff = layer.FeedForward;
                var x3 = nn.functional.silu(ff.GateProjection.call(x2)) * ff.UpProjection.call(x2);
                parts[ReassemblyPoint.Qkv].Add(x1.flatten(0, 1).MoveToOuterDisposeScope());
                parts[ReassemblyPoint.GateUp].Add(x2.flatten(0, 1).MoveToOuterDisposeScope());
                parts[ReassemblyPoint.Down].Add(x3.flatten(0, 1).MoveToOuterDisposeScope());
            }

            ImplicitScalars.Free();
        }

        foreach (var (point, list) in parts)
        {
            using var all = cat(list, 0);
            foreach (var part in list)
            {
                part.Dispose();
            }

            var max = all.abs().amax([0]);
            var sample = all.index_select(0, arange(0, tokens, stride, ScalarType.Int64, all.device)).contiguous();
            collected._points[point] = (max, sample);
        }

        return collected;
    }

    public void Dispose()
    {
        foreach (var (max, sample) in _points.Values)
        {
            max.Dispose();
            sample.Dispose();
        }
    }
}

using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

/// <summary>
/// Rotary position embeddings for every position of the context, in either pair layout: llama2.c
/// rotates adjacent dimensions (0,1), (2,3)…; Hugging Face rotates dimension i with i + headDim/2.
/// The two are the same model once q/k rows are permuted, which is what conversion does.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _cos;
    private readonly Tensor _sin;
    private readonly RopeLayout _layout;

    /// <summary>Precomputes cos/sin tables [seqLen, headDim/2] on <paramref name="device"/>.</summary>
    public RotaryEmbedding(LlamaConfig config, Device device)
    {
        _layout = config.RopeLayout;
        int half = config.HeadDim / 2;
        var angles = new float[config.SeqLen * half];
        var cosines = new float[angles.Length];
        // Shared with the runtime's tables: Llama 3's rescaling is applied there, once.
        var frequencies = RotaryFrequencies.Compute(config);
        for (int i = 0; i < half; i++)
        {
            double frequency = frequencies[i];
            for (int position = 0; position < config.SeqLen; position++)
            {
                double angle = position * frequency;
                angles[(position * half) + i] = (float)Math.Sin(angle);
                cosines[(position * half) + i] = (float)Math.Cos(angle);
            }
        }

        _sin = tensor(angles, [config.SeqLen, half], device: device);
        _cos = tensor(cosines, [config.SeqLen, half], device: device);
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, tokens, headDim] for positions start.. start+tokens.</summary>
    public Tensor Apply(Tensor x, int start)
    {
        using var scope = NewDisposeScope();
        long tokens = x.shape[2], half = x.shape[3] / 2;
        var c = _cos.narrow(0, start, tokens).to(x.dtype);
        var s = _sin.narrow(0, start, tokens).to(x.dtype);
        Tensor rotated;
        if (_layout == RopeLayout.Interleaved)
        {
            var pairs = x.unflatten(x.dim() - 1, [half, 2]);
            var even = pairs.select(-1, 0);
            var odd = pairs.select(-1, 1);
            rotated = stack([(even * c) - (odd * s), (even * s) + (odd * c)], -1).flatten(-2);
        }
        else
        {
            var first = x.narrow(-1, 0, half);
            var second = x.narrow(-1, half, half);
            rotated = cat([(first * c) - (second * s), (second * c) + (first * s)], -1);
        }

        return rotated.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}

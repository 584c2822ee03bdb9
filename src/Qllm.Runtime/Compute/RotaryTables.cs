using System.Runtime.CompilerServices;
using Qllm.Artifacts.Schema;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Rotary position embedding, computed as the engine computes it (angles in double, stored as
/// float): llama2.c rotates dimension pairs (2i, 2i+1), Hugging Face pairs (i, i + headDim/2).
/// </summary>
internal sealed class RotaryTables
{
    private readonly float[] _cos;
    private readonly float[] _sin;
    private readonly int _half;
    private readonly bool _interleaved;

    public RotaryTables(LlamaConfig config)
    {
        int seqLen = config.SeqLen;
        _half = config.HeadDim / 2;
        _interleaved = config.RopeLayout == RopeLayout.Interleaved;
        _cos = new float[seqLen * _half];
        _sin = new float[seqLen * _half];
        // The engine's frequencies, Llama 3's rescaling included.
        var frequencies = RotaryFrequencies.Compute(config);
        for (int i = 0; i < _half; i++)
        {
            double frequency = frequencies[i];
            for (int position = 0; position < seqLen; position++)
            {
                double angle = position * frequency;
                _sin[(position * _half) + i] = (float)Math.Sin(angle);
                _cos[(position * _half) + i] = (float)Math.Cos(angle);
            }
        }
    }

    /// <summary>Rotates one head's vector for <paramref name="position"/> in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(Span<float> head, int position)
    {
        var c = _cos.AsSpan(position * _half, _half);
        var s = _sin.AsSpan(position * _half, _half);
        for (int i = 0; i < _half; i++)
        {
            int a = _interleaved ? 2 * i : i;
            int b = _interleaved ? (2 * i) + 1 : i + _half;
            float x = head[a], y = head[b];
            head[a] = (x * c[i]) - (y * s[i]);
            head[b] = (x * s[i]) + (y * c[i]);
        }
    }
}

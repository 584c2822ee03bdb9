namespace Qllm.Runtime.Compute;

/// <summary>
/// Rotary position embedding, computed as the engine computes it (angles in double, stored as
/// float): llama2.c rotates dimension pairs (2i, 2i+1), Hugging Face pairs (i, i + headDim/2).
/// </summary>
internal sealed class RotaryTables
{
    private readonly float[] cos;
    private readonly float[] sin;
    private readonly int half;
    private readonly bool interleaved;

    public RotaryTables(int headDim, int seqLen, double theta, bool interleaved)
    {
        half = headDim / 2;
        this.interleaved = interleaved;
        cos = new float[seqLen * half];
        sin = new float[seqLen * half];
        for (int i = 0; i < half; i++)
        {
            double frequency = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
            for (int position = 0; position < seqLen; position++)
            {
                double angle = position * frequency;
                sin[(position * half) + i] = (float)Math.Sin(angle);
                cos[(position * half) + i] = (float)Math.Cos(angle);
            }
        }
    }

    /// <summary>Rotates one head's vector for <paramref name="position"/> in place.</summary>
    public void Apply(Span<float> head, int position)
    {
        var c = cos.AsSpan(position * half, half);
        var s = sin.AsSpan(position * half, half);
        for (int i = 0; i < half; i++)
        {
            int a = interleaved ? 2 * i : i;
            int b = interleaved ? (2 * i) + 1 : i + half;
            float x = head[a], y = head[b];
            head[a] = (x * c[i]) - (y * s[i]);
            head[b] = (x * s[i]) + (y * c[i]);
        }
    }
}

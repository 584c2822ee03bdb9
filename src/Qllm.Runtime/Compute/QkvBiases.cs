namespace Qllm.Runtime.Compute;

/// <summary>
/// The float32 biases of the q, k and v projections (Qwen2), added to each token's projected row
/// after the integer product, in float, as the engine adds them to its rounded product.
/// </summary>
internal sealed class QkvBiases(float[] query, float[] key, float[] value)
{
    public long Bytes => (query.Length + key.Length + value.Length) * 4L;

    /// <summary>Adds the biases to <paramref name="q"/> [tokens × dim], <paramref name="k"/> and <paramref name="v"/> [tokens × kvDim].</summary>
    public void AddTo(float[] q, float[] k, float[] v, int tokens)
    {
        for (int t = 0; t < tokens; t++)
        {
            Add(q.AsSpan(t * query.Length, query.Length), query);
            Add(k.AsSpan(t * key.Length, key.Length), key);
            Add(v.AsSpan(t * value.Length, value.Length), value);
        }
    }

    private static void Add(Span<float> row, ReadOnlySpan<float> bias)
    {
        for (int i = 0; i < row.Length; i++)
        {
            row[i] += bias[i];
        }
    }
}

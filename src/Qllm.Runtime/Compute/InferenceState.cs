namespace Qllm.Runtime.Compute;

/// <summary>One sequence's state: the key/value cache of every layer and how many positions it holds.</summary>
internal sealed class InferenceState
{
    public InferenceState(int layers, int seqLen, int kvDim)
    {
        Keys = new float[layers][];
        Values = new float[layers][];
        for (int layer = 0; layer < layers; layer++)
        {
            Keys[layer] = new float[seqLen * kvDim];
            Values[layer] = new float[seqLen * kvDim];
        }
    }

    /// <summary>Per layer, [seqLen × kvDim] keys after the rotary embedding (and state quantization).</summary>
    public float[][] Keys { get; }

    /// <summary>Per layer, [seqLen × kvDim] values.</summary>
    public float[][] Values { get; }

    /// <summary>Positions filled so far: the next token goes at this position.</summary>
    public int Length { get; set; }
}

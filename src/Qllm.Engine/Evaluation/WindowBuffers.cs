namespace Qllm.Engine.Evaluation;

/// <summary>What a window in flight is scored with: its ids and both models' logits, reused for the next window.</summary>
internal sealed class WindowBuffers(int seqLen, int vocab, bool withReference)
{
    public int[] Ids { get; } = new int[seqLen];

    public float[] Model { get; } = new float[(long)seqLen * vocab];

    public float[] Reference { get; } = withReference ? new float[(long)seqLen * vocab] : [];
}

namespace Qllm.Runtime.Model;

/// <summary>The shape of a LLaMA-family model, as an artifact's <c>config</c> metadata records it.</summary>
internal sealed record ModelConfig(
    int Dim,
    int HiddenDim,
    int Layers,
    int Heads,
    int KvHeads,
    int VocabSize,
    int SeqLen,
    double RmsNormEps,
    double RopeTheta,
    bool TiedEmbeddings,
    bool InterleavedRope)
{
    /// <summary>Dimensions per attention head.</summary>
    public int HeadDim => Dim / Heads;

    /// <summary>Width of the key and value projections.</summary>
    public int KvDim => KvHeads * HeadDim;
}

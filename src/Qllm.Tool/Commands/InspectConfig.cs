namespace Qllm.Tool.Commands;

/// <summary>The model's shape, from the artifact's <c>config</c> metadata.</summary>
internal sealed record InspectConfig(
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
    string RopeLayout);

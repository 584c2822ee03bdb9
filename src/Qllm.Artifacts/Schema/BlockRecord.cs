namespace Qllm.Artifacts.Schema;

/// <summary>One block of the quantization run, as the <c>blocks</c> metadata records it (no wall times: the same inputs give the same bytes).</summary>
/// <param name="Block">The block's index.</param>
/// <param name="FirstLayer">Its first decoder layer.</param>
/// <param name="Layers">How many layers it holds.</param>
/// <param name="LossBefore">The block's output error before error correction.</param>
/// <param name="LossAfter">And after.</param>
/// <param name="Points">Its reassembly points.</param>
public sealed record BlockRecord(int Block, int FirstLayer, int Layers, double LossBefore, double LossAfter, IReadOnlyList<PointRecord> Points);

namespace Qllm.Tool.Commands.Inspect;

/// <summary>One block of the quantization run as the <c>blocks</c> metadata records it.</summary>
internal sealed record InspectBlock(int Block, int FirstLayer, int Layers, double LossBefore, double LossAfter, int ReassembledPoints);

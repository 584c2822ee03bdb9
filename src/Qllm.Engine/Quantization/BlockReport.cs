namespace Qllm.Engine.Quantization;

/// <summary>What happened to one block of layers, for progress lines and the run's metadata.</summary>
/// <param name="Block">Block index.</param>
/// <param name="FirstLayer">First layer of the block.</param>
/// <param name="Layers">Layers in the block.</param>
/// <param name="Points">The reassembly choice at each point, in layer order (empty without reassembly).</param>
/// <param name="LossBefore">Block output MSE against full precision before error correction.</param>
/// <param name="LossAfter">The same after correction and fusion, and after GPTQ's rounding where it rounds (equal to before without correction: then only the final error is measured).</param>
/// <param name="Seconds">Wall time of the block.</param>
public sealed record BlockReport(int Block, int FirstLayer, int Layers, IReadOnlyList<PointReport> Points, double LossBefore, double LossAfter, double Seconds);

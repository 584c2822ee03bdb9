namespace Qllm.Artifacts.Schema;

/// <summary>Every option of the quantization run, as the <c>options</c> metadata records it (for display and identity; readers do not depend on it).</summary>
/// <param name="Preset">The preset's name (W4A4, ...).</param>
/// <param name="Method">The method: qllm, rtn, reassembly-only or lowrank-only.</param>
/// <param name="Rotation">The rotation: none or hadamard.</param>
/// <param name="WeightRounding">How weights were rounded: nearest or gptq.</param>
/// <param name="Samples">Calibration samples.</param>
/// <param name="Epochs">Error-correction epochs per block.</param>
/// <param name="Rank">Rank of the low-rank correction.</param>
/// <param name="Alpha">The correction's scale numerator.</param>
/// <param name="LearningRate">The correction's learning rate.</param>
/// <param name="BlockLayers">Decoder layers per block.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="ChannelRatio">Cap on extra channels from reassembly, as a share of the channels.</param>
/// <param name="MergeScore">How channel assembly ranked merges: merge-error or reference.</param>
public sealed record RunOptions(
    string Preset,
    string Method,
    string Rotation,
    string WeightRounding,
    int Samples,
    int Epochs,
    int Rank,
    double Alpha,
    double LearningRate,
    int BlockLayers,
    int Seed,
    double ChannelRatio,
    string MergeScore)
{
    /// <summary>Calibration samples per training step of the correction (1 where the artifact does not say).</summary>
    public int BatchSize { get; init; } = 1;
}

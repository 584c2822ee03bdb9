namespace Qllm.Core.Quantization;

/// <summary>
/// What a run does about the method, rotation, rounding, rank, learning rate, batch size and epochs
/// that it does not name: the best combination measured on stories15M at the reference's 128 samples
/// (docs/benchmarks.md, "Rotation and GPTQ" and "bfloat16 products and 5 epochs"; README says why).
/// </summary>
/// <param name="Method">One of <see cref="MethodNames"/>.</param>
/// <param name="Rotation">One of <see cref="RotationNames"/>.</param>
/// <param name="WeightRounding">One of <see cref="WeightRoundingNames"/>.</param>
/// <param name="Rank">Rank of the low-rank correction.</param>
/// <param name="LearningRate">Its learning rate.</param>
public sealed record PresetRecipe(string Method, string Rotation, string WeightRounding, int Rank = PresetRecipe.PaperRank, double LearningRate = PresetRecipe.PaperLearningRate)
{
    /// <summary>
    /// Calibration samples per training step of the correction (QLLM's own: 1). The learning rate
    /// is per step, so a recipe that batches raises it with the batch.
    /// </summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Epochs of the correction per block (QLLM's own: <see cref="PaperEpochs"/>).</summary>
    public int Epochs { get; init; } = PaperEpochs;

    /// <summary>QLLM's own number of epochs of the low-rank correction.</summary>
    public const int PaperEpochs = 10;

    /// <summary>QLLM's own rank of the low-rank correction.</summary>
    public const int PaperRank = 4;

    /// <summary>QLLM's own learning rate of the low-rank correction.</summary>
    public const double PaperLearningRate = 5e-4;

    /// <summary>The recipe for these bit widths, and for a run that names <paramref name="method"/> (null: none).</summary>
    /// <remarks>
    /// Every width is rotated and rounded by GPTQ: those two levers come first at every width. The
    /// low-rank correction then trains on what the rotation leaves, the activation error: it earns
    /// most at 4-bit activations (there with rank 16, measured best, trained for 5 epochs in steps of 4
    /// samples at learning rate 4e-3: within 1% of the mean KL of 10 epochs of single samples at 1e-3,
    /// in a sixth of the training steps), some at W4A8 and nothing measurable at W6A6, where rotation
    /// and GPTQ alone are kept (15× faster).
    /// Channel reassembly is left out: after the rotation it raised the error at every preset.
    /// The recipe's rank, learning rate, batch and epochs were tuned for its method: a named method keeps
    /// QLLM's own (<see cref="PaperRank"/>, <see cref="PaperLearningRate"/>, single samples,
    /// <see cref="PaperEpochs"/>), so <c>--method qllm</c> stays the paper's.
    /// </remarks>
    public static PresetRecipe For(int weightBits, int activationBits, string? method = null)
    {
        var recipe = activationBits <= 4
            ? new PresetRecipe(MethodNames.LowRankOnly, RotationNames.Hadamard, WeightRoundingNames.Gptq, Rank: 16, LearningRate: 4e-3) { BatchSize = 4, Epochs = 5 }
            : weightBits >= 6 && activationBits >= 6
                ? new PresetRecipe(MethodNames.Rtn, RotationNames.Hadamard, WeightRoundingNames.Gptq)
                : new PresetRecipe(MethodNames.LowRankOnly, RotationNames.Hadamard, WeightRoundingNames.Gptq);
        return method is null ? recipe : recipe with { Method = method, Rank = PaperRank, LearningRate = PaperLearningRate, BatchSize = 1, Epochs = PaperEpochs };
    }
}

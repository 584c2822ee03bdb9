using Qllm.Engine.Rotation;
using Qllm.Core.Quantization;

namespace Qllm.Engine.Quantization;

/// <summary>
/// What a run does about the method, rotation, rounding, rank, learning rate, batch and epochs it does not name,
/// in the engine's types. The rules are Qllm.Core's <see cref="PresetRecipe"/> (which says why),
/// so that the tool, the build tasks and the engine read one copy.
/// </summary>
/// <param name="Method">Which QLLM steps run.</param>
/// <param name="Rotation">Whether the model is rotated first.</param>
/// <param name="WeightRounding">How weights are rounded at the end.</param>
/// <param name="Rank">Rank of the low-rank correction.</param>
/// <param name="LearningRate">Its learning rate.</param>
/// <param name="BatchSize">Calibration samples per training step of the correction.</param>
/// <param name="Epochs">Epochs of the correction per block.</param>
public sealed record QuantizationRecipe(QuantizationMethod Method, RotationKind Rotation, WeightRounding WeightRounding, int Rank = PresetRecipe.PaperRank, double LearningRate = PresetRecipe.PaperLearningRate, int BatchSize = 1, int Epochs = PresetRecipe.PaperEpochs)
{
    /// <summary>The default recipe for <paramref name="settings"/>, for a run that names <paramref name="method"/> (null: none).</summary>
    /// <remarks>A named method keeps QLLM's own rank, learning rate, single-sample steps and epochs: the recipe's were tuned for the recipe's method.</remarks>
    public static QuantizationRecipe For(QuantizationSettings settings, QuantizationMethod? method = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var recipe = PresetRecipe.For(settings.WeightBits, settings.ActivationBits, method is { } named ? QuantizeOptionsText.Method(named) : null);
        return new(
            QuantizeOptionsText.ParseMethod(recipe.Method),
            QuantizeOptionsText.ParseRotation(recipe.Rotation),
            QuantizeOptionsText.ParseWeightRounding(recipe.WeightRounding),
            recipe.Rank,
            recipe.LearningRate,
            recipe.BatchSize,
            recipe.Epochs);
    }
}

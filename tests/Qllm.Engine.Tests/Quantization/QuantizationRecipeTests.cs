using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;

namespace Qllm.Engine.Tests.Quantization;

public sealed class QuantizationRecipeTests
{
    [Theory]
    [InlineData("W4A4", QuantizationMethod.LowRankOnly, 16, 4e-3, 4, 5)]
    [InlineData("W4A8", QuantizationMethod.LowRankOnly, 4, 5e-4, 1, 10)]
    [InlineData("W4A16", QuantizationMethod.LowRankOnly, 4, 5e-4, 1, 10)]
    [InlineData("W6A6", QuantizationMethod.Rtn, 4, 5e-4, 1, 10)]
    public void Every_preset_rotates_and_rounds_with_GPTQ_and_corrects_where_it_was_measured_to_help(string preset, QuantizationMethod method, int rank, double learningRate, int batchSize, int epochs)
    {
        var recipe = QuantizationRecipe.For(QuantizationSettings.Presets[preset]);
        Assert.Equal(new QuantizationRecipe(method, RotationKind.Hadamard, WeightRounding.Gptq, rank, learningRate, batchSize, epochs), recipe);
    }

    [Theory]
    [InlineData("W4A4", QuantizationMethod.Qllm)]
    [InlineData("W4A4", QuantizationMethod.LowRankOnly)]
    [InlineData("W6A6", QuantizationMethod.ReassemblyOnly)]
    public void A_named_method_keeps_QLLMs_own_rank_learning_rate_single_sample_steps_and_epochs_and_the_presets_rotation_and_rounding(string preset, QuantizationMethod method)
    {
        var recipe = QuantizationRecipe.For(QuantizationSettings.Presets[preset], method);
        Assert.Equal(new QuantizationRecipe(method, RotationKind.Hadamard, WeightRounding.Gptq, 4, 5e-4, 1, 10), recipe);
    }
}

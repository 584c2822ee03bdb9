using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Reassembly;
using Qllm.Engine.Rotation;
using Qllm.Core.Quantization;

namespace Qllm.Engine.Tests.Quantization;

/// <summary>The engine parses exactly Qllm.Core's vocabulary, which the tool and the build tasks accept, and spells its values back the same way.</summary>
public sealed class QuantizeOptionsTextTests
{
    [Fact]
    public void Every_method_name_round_trips_and_every_method_has_a_name()
    {
        Assert.All(MethodNames.All, name => Assert.Equal(name, QuantizeOptionsText.Method(QuantizeOptionsText.ParseMethod(name))));
        Assert.Equal(Enum.GetValues<QuantizationMethod>().Order(), MethodNames.All.Select(QuantizeOptionsText.ParseMethod).Order());
    }

    [Fact]
    public void Every_rotation_name_round_trips_and_every_rotation_has_a_name()
    {
        Assert.All(RotationNames.All, name => Assert.Equal(name, QuantizeOptionsText.Rotation(QuantizeOptionsText.ParseRotation(name))));
        Assert.Equal(Enum.GetValues<RotationKind>().Order(), RotationNames.All.Select(QuantizeOptionsText.ParseRotation).Order());
    }

    [Fact]
    public void Every_weight_rounding_name_round_trips_and_every_rounding_has_a_name()
    {
        Assert.All(WeightRoundingNames.All, name => Assert.Equal(name, QuantizeOptionsText.WeightRounding(QuantizeOptionsText.ParseWeightRounding(name))));
        Assert.Equal(Enum.GetValues<WeightRounding>().Order(), WeightRoundingNames.All.Select(QuantizeOptionsText.ParseWeightRounding).Order());
    }

    [Fact]
    public void Every_merge_score_name_round_trips_and_every_score_has_a_name()
    {
        Assert.Equal(["reference", "merge-error"], QuantizeOptionsText.MergeScores);
        Assert.All(QuantizeOptionsText.MergeScores, name => Assert.Equal(name, QuantizeOptionsText.MergeScore(QuantizeOptionsText.ParseMergeScore(name))));
        Assert.Equal(Enum.GetValues<AssemblyScore>().Order(), QuantizeOptionsText.MergeScores.Select(QuantizeOptionsText.ParseMergeScore).Order());
    }

    [Fact]
    public void The_engine_presets_are_the_vocabulary_presets_with_their_bits()
    {
        Assert.Equal(QuantizationPresets.Names, QuantizationSettings.Presets.Keys);
        Assert.All(QuantizationPresets.All, p => Assert.Equal(new QuantizationSettings(p.WeightBits, p.ActivationBits), QuantizationSettings.Presets[p.Name]));
        Assert.Equal(QuantizationSettings.Presets[QuantizationPresets.Default.Name], QuantizationSettings.Default);
        Assert.All(QuantizationPresets.All, p => Assert.True(BitWidths.IsWeightBits(p.WeightBits) && BitWidths.IsActivationBits(p.ActivationBits), p.Name));
    }

    [Fact]
    public void Names_outside_the_vocabulary_are_refused()
    {
        // The tool and the tasks normalise case before the engine parses; the engine takes only the canonical spelling.
        Assert.Throws<ArgumentException>(() => QuantizeOptionsText.ParseMethod("QLLM"));
        Assert.Throws<ArgumentException>(() => QuantizeOptionsText.ParseRotation("Hadamard"));
        Assert.Throws<ArgumentException>(() => QuantizeOptionsText.ParseWeightRounding("gptq2"));
    }
}

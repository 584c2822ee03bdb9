using Qllm.Engine.Loading;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization;

public sealed class QllmQuantizerTests
{
    // Small settings: the properties hold at any size; full settings belong in bench/.
    private static QuantizeOptions Small(QuantizationMethod method) =>
        new(QuantizationSettings.Presets["W4A4"], method, Samples: 8, Epochs: 2, BlockLayers: 4);

    [Fact]
    public void Error_correction_lowers_the_loss_of_every_block_and_blocks_cover_every_layer()
    {
        using var loaded = ModelLoader.Load(TestData.ModelPath, null, CPU);
        using var result = QllmQuantizer.Quantize(loaded.Model, Calibration(loaded, 8), Small(QuantizationMethod.LowRankOnly));
        Assert.Equal([(0, 4), (4, 2)], result.Blocks.Select(b => (b.FirstLayer, b.Layers)));
        Assert.All(result.Blocks, b => Assert.True(b.LossAfter < b.LossBefore, $"block {b.Block}: {b.LossBefore} -> {b.LossAfter}"));
        Assert.All(loaded.Model.Layers, layer => Assert.All(LayerQuantizer.NamedLinears(layer), named => Assert.IsType<IntegerLinear>(named.Linear)));
    }

    [Fact]
    public void The_correction_trains_in_steps_of_several_samples_with_a_shorter_last_step()
    {
        using var loaded = ModelLoader.Load(TestData.ModelPath, null, CPU);
        var options = Small(QuantizationMethod.LowRankOnly) with { Samples = 5, BatchSize = 2, LearningRate = 2e-3 };
        using var result = QllmQuantizer.Quantize(loaded.Model, Calibration(loaded, 5), options);
        Assert.All(result.Blocks, b => Assert.True(b.LossAfter < b.LossBefore, $"block {b.Block}: {b.LossBefore} -> {b.LossAfter}"));
    }

    [Fact]
    public void Round_to_nearest_trains_nothing_and_reassembly_reports_every_point()
    {
        using var rtnModel = ModelLoader.Load(TestData.ModelPath, null, CPU);
        using var rtn = QllmQuantizer.Quantize(rtnModel.Model, Calibration(rtnModel, 2), Small(QuantizationMethod.Rtn) with { Samples = 2 });
        Assert.All(rtn.Blocks, b => Assert.Equal(b.LossBefore, b.LossAfter));
        Assert.All(rtn.Blocks, b => Assert.Empty(b.Points));

        using var reassembledModel = ModelLoader.Load(TestData.ModelPath, null, CPU);
        using var reassembled = QllmQuantizer.Quantize(reassembledModel.Model, Calibration(reassembledModel, 2), Small(QuantizationMethod.ReassemblyOnly) with { Samples = 2 });
        var points = reassembled.Blocks.SelectMany(b => b.Points).ToList();
        Assert.Equal(6 * 3, points.Count);
        Assert.All(points, p => Assert.True(p.Error <= p.IdentityError, $"layer {p.Layer} {p.Point}: the search must never pick worse than no reassembly"));
        Assert.All(points, p => Assert.InRange(p.ExtraChannels, 0, (p.Point == "down" ? 768 : 288) * 0.2));
    }

    [Fact]
    public void A_recipe_that_reads_no_calibration_gives_the_same_model_without_a_forward_pass()
    {
        var options = Small(QuantizationMethod.Rtn) with { Samples = 2, Rotation = RotationKind.Hadamard };
        Assert.False(options.Calibrates);
        using var calibrated = ModelLoader.Load(TestData.ModelPath, null, CPU);
        using var weightsOnly = ModelLoader.Load(TestData.ModelPath, null, CPU);
        ModelRotation.Apply(calibrated.Model, options.Seed);
        ModelRotation.Apply(weightsOnly.Model, options.Seed);

        using var withPasses = QllmQuantizer.Quantize(calibrated.Model, Calibration(calibrated, 2), options);
        using var without = QllmQuantizer.QuantizeWeightsOnly(weightsOnly.Model, options);

        Assert.Empty(without.Blocks);
        var expected = calibrated.Model.Layers.SelectMany(LayerQuantizer.NamedLinears).ToList();
        var actual = weightsOnly.Model.Layers.SelectMany(LayerQuantizer.NamedLinears).ToList();
        Assert.Equal(7 * 6, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
        {
            var (want, got) = (Assert.IsType<IntegerLinear>(e.Linear), Assert.IsType<IntegerLinear>(a.Linear));
            Assert.True(want.Codes.Bytes.Span.SequenceEqual(got.Codes.Bytes.Span) && Same(want.Scales, got.Scales) && Same(want.Zeros, got.Zeros), $"{a.Name} differs");
        }

        Assert.True(Same(withPasses.Embedding.Codes, without.Embedding.Codes));
    }

    [Theory]
    [InlineData(QuantizationMethod.Rtn, WeightRounding.Gptq, true)]
    [InlineData(QuantizationMethod.LowRankOnly, WeightRounding.Nearest, true)]
    [InlineData(QuantizationMethod.ReassemblyOnly, WeightRounding.Nearest, true)]
    [InlineData(QuantizationMethod.Rtn, WeightRounding.Nearest, false)]
    public void Only_reassembly_the_correction_and_gptq_read_the_calibration_text(QuantizationMethod method, WeightRounding rounding, bool calibrates) =>
        Assert.Equal(calibrates, (Small(method) with { WeightRounding = rounding }).Calibrates);

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    internal static Tensor Calibration(LoadedModel loaded, int samples)
    {
        var tokens = loaded.Tokenizer.Encode(File.ReadAllText(TestData.CalibrationTextPath)[..200_000]);
        return tensor(CalibrationSampler.Sample(tokens, loaded.Model.Config.SeqLen, samples, seed: 42, loaded.Tokenizer.BosId), [samples, loaded.Model.Config.SeqLen]);
    }
}

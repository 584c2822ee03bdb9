using Qllm.Engine.Loading;
using Qllm.Engine.Quantization;
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

    internal static Tensor Calibration(LoadedModel loaded, int samples)
    {
        var tokens = loaded.Tokenizer.Encode(File.ReadAllText(TestData.CalibrationTextPath)[..200_000]);
        return tensor(CalibrationSampler.Sample(tokens, loaded.Model.Config.SeqLen, samples, seed: 42, loaded.Tokenizer.BosId), [samples, loaded.Model.Config.SeqLen]);
    }
}

using Qllm.Engine.Modeling;
using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Gptq;
using Qllm.Engine.Quantization.Reassembly;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization.Gptq;

public sealed class GptqLayerRoundingTests(Stories15MFixture stories, ITestOutputHelper output) : IClassFixture<Stories15MFixture>
{
    // Four windows calibrate, four others check that the gain is not fitted to the calibration tokens.
    private const int Windows = 8;
    private const int CalibrationWindows = 4;

    [Theory]
    [InlineData("W4A16", 0)]
    [InlineData("W4A8", 3)]
    public void Gptq_lowers_the_output_error_of_a_real_layer_and_finalizing_keeps_its_codes(string preset, int index)
    {
        var settings = QuantizationSettings.Presets[preset];
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var hidden = model.Embed(TextWindows.Tokens(TestData.CalibrationTextPath, model.Config, Windows, 100_000));
        foreach (var before in model.Layers.Take(index))
        {
            hidden = before.Forward(hidden, model.Rope);
        }

        var layer = model.Layers[index];
        var reference = layer.Forward(hidden, model.Rope);
        LayerQuantizer.Quantize(layer, settings, new Dictionary<ReassemblyPoint, ReassemblyMap>());
        var nearest = layer.Forward(hidden, model.Rope);

        var warnings = new List<string>();
        GptqLayerRounding.Round(layer, model.Rope, hidden.narrow(0, 0, CalibrationWindows), GptqSettings.Default, warnings.Add);
        Assert.Empty(warnings);
        var linears = LayerQuantizer.Linears(layer).ToList();
        Assert.Equal(7, linears.Count);
        Assert.All(linears, linear => Assert.NotNull(linear.Rounded));
        var gptq = layer.Forward(hidden, model.Rope);

        var (nearestCalibration, nearestHeldOut) = Errors(nearest, reference);
        var (gptqCalibration, gptqHeldOut) = Errors(gptq, reference);
        output.WriteLine(
            $"{preset} layer {index} output MSE, calibration windows: GPTQ {gptqCalibration:G4} vs RTN {nearestCalibration:G4} (ratio {gptqCalibration / nearestCalibration:F3}); " +
            $"held-out windows: GPTQ {gptqHeldOut:G4} vs RTN {nearestHeldOut:G4} (ratio {gptqHeldOut / nearestHeldOut:F3})");
        Assert.True(gptqCalibration < 0.9 * nearestCalibration, $"calibration: GPTQ {gptqCalibration} vs RTN {nearestCalibration}");
        Assert.True(gptqHeldOut < nearestHeldOut, $"held out: GPTQ {gptqHeldOut} vs RTN {nearestHeldOut}");

        var rounded = linears.Select(linear => (Codes: linear.Rounded!.Codes.clone(), linear.Rounded.Scales)).ToList();
        LayerQuantizer.Finalize(layer, settings);
        var finals = LayerQuantizer.NamedLinears(layer).Select(named => Assert.IsType<IntegerLinear>(named.Linear)).ToList();
        foreach (var (before, final) in rounded.Zip(finals))
        {
            using var codes = final.Codes.Unpack();
            Assert.True(codes.eq(before.Codes).all().item<bool>(), "the finished linear's codes are not GPTQ's");
            Assert.Same(before.Scales, final.Scales);
            before.Codes.Dispose();
        }

        var (finalCalibration, _) = Errors(layer.Forward(hidden, model.Rope), reference);
        output.WriteLine($"finalized: calibration MSE {finalCalibration:G4}");
        // Exact mode only changes how sums are ordered and rounded (and, with activation codes, rare ties).
        Assert.InRange(finalCalibration / gptqCalibration, 0.95, 1.05);
    }

    [Fact]
    public void A_layer_with_a_plain_linear_is_refused()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var hidden = zeros([1, 4, model.Config.Dim]);
        Assert.Throws<InvalidOperationException>(() => GptqLayerRounding.Round(model.Layers[0], model.Rope, hidden, GptqSettings.Default, null));
    }

    [Fact]
    public void A_layer_whose_adapters_are_not_fused_is_refused_before_any_rounding()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var hidden = zeros([1, 4, model.Config.Dim]);
        using var generator = new Generator(1);
        var layer = model.Layers[0];
        LayerQuantizer.Quantize(layer, QuantizationSettings.Presets["W4A8"], new Dictionary<ReassemblyPoint, ReassemblyMap>());
        LayerQuantizer.Linears(layer).Last().AttachAdapter(rank: 2, alpha: 1, generator);
        Assert.Throws<InvalidOperationException>(() => GptqLayerRounding.Round(layer, model.Rope, hidden, GptqSettings.Default, null));
        Assert.All(LayerQuantizer.Linears(layer), linear => Assert.Null(linear.Rounded));
    }

    /// <summary>MSE over the calibration windows and over the held-out ones.</summary>
    private static (double Calibration, double HeldOut) Errors(Tensor actual, Tensor expected)
    {
        double Mse(int first, int count) => (actual.narrow(0, first, count) - expected.narrow(0, first, count)).pow(2).mean().to(ScalarType.Float64).item<double>();
        return (Mse(0, CalibrationWindows), Mse(CalibrationWindows, Windows - CalibrationWindows));
    }
}

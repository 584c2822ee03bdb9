using Qllm.Engine.Modeling;
using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Reassembly;
using Qllm.Engine.Rotation;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Modeling;

public sealed class DecoderLayerTests(Stories15MFixture stories) : IClassFixture<Stories15MFixture>
{
    [Fact]
    public void Calibration_products_reach_every_product_of_a_rotated_quantized_layer_and_leave_it_exact_again()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        ModelRotation.Apply(model, seed: 42);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var layer = model.Layers[1];
        var hidden = model.Embed(TextWindows.Tokens(TestData.CalibrationTextPath, model.Config, 2, 100_000));
        var full = layer.Forward(hidden, model.Rope);
        LayerQuantizer.Quantize(layer, QuantizationSettings.Presets["W4A4"], new Dictionary<ReassemblyPoint, ReassemblyMap>());
        var exact = layer.Forward(hidden, model.Rope);

        layer.CalibrationProducts = ScalarType.BFloat16;
        var modules = layer.modules().OfType<ICalibrationProducts>().ToList();
        Assert.Equal(7 + 4 + 2, modules.Count); // the linears, their inputs, attention and the MLP
        Assert.All(modules, module => Assert.Equal(ScalarType.BFloat16, module.CalibrationProducts));
        Assert.Equal(ScalarType.BFloat16, layer.CalibrationProducts);
        var narrow = layer.Forward(hidden, model.Rope);
        Assert.Equal(ScalarType.Float32, narrow.dtype);

        // Rounding to 8 significant bits flips some 4-bit activation codes, and a flipped code moves
        // by a whole step: the output moves by a share of the quantization error, not by bfloat16's
        // 2^-9. What calibration needs is that the quantized layer is as far from the full-precision
        // one as before.
        var exactError = (exact - full).norm().item<float>();
        var narrowError = (narrow - full).norm().item<float>();
        Assert.False(narrow.eq(exact).all().item<bool>());
        Assert.InRange(narrowError / exactError, 0.9, 1.1);

        layer.CalibrationProducts = null;
        Assert.All(modules, module => Assert.Null(module.CalibrationProducts));
        Assert.Null(layer.CalibrationProducts);
        Assert.True(layer.Forward(hidden, model.Rope).eq(exact).all().item<bool>(), "the exact path again, bit for bit");
    }
}

using Qllm.Engine.Modeling;
using Qllm.Engine.Quantization;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization;

public sealed class ErrorCorrectionTrainerTests(Stories15MFixture stories) : IClassFixture<Stories15MFixture>
{
    [Fact]
    public void A_step_run_in_slices_has_the_gradient_and_the_loss_of_the_whole_step()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var scope = NewDisposeScope();
        var (block, inputs, targets) = Block(model, layers: 2, samples: 5, seed: 3);

        var norms = block.Select(layer => layer.AttentionNorm.Weight).ToList();
        norms.ForEach(norm => norm.requires_grad = true);
        var picked = tensor(new long[] { 4, 0, 3, 1, 2 });
        (double Loss, float[][] Gradients) Step(long slice)
        {
            norms.ForEach(norm => norm.grad = null);
            double loss = ErrorCorrectionTrainer.Backward(block, model.Rope, inputs, targets, picked, slice);
            return (loss, norms.Select(norm => norm.grad!.data<float>().ToArray()).ToArray());
        }

        var whole = Step(5);
        foreach (long slice in new long[] { 1, 2 })
        {
            var sliced = Step(slice);
            Assert.Equal(whole.Loss, sliced.Loss, tolerance: whole.Loss * 1e-5);
            for (int n = 0; n < norms.Count; n++)
            {
                double scale = whole.Gradients[n].Max(Math.Abs);
                Assert.True(scale > 0);
                Assert.All(whole.Gradients[n].Zip(sliced.Gradients[n]), pair => Assert.Equal(pair.First, pair.Second, tolerance: scale * 1e-4));
            }
        }

        norms.ForEach(norm => norm.requires_grad = false);
    }

    [Fact]
    public void Going_back_layer_by_layer_gives_the_gradient_and_the_loss_of_one_pass()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var scope = NewDisposeScope();
        var (block, inputs, targets) = Block(model, layers: 3, samples: 3, seed: 5);

        // Every layer's two norms: the first layer's gradient has come back through the two after it.
        var trained = block.SelectMany(layer => new[] { layer.AttentionNorm.Weight, layer.FeedForwardNorm.Weight }).ToList();
        trained.ForEach(weight => weight.requires_grad = true);
        var picked = tensor(new long[] { 2, 0, 1 });
        (double Loss, float[][] Gradients) Step(bool layerByLayer)
        {
            trained.ForEach(weight => weight.grad = null);
            double loss = ErrorCorrectionTrainer.Backward(block, model.Rope, inputs, targets, picked, sliceSamples: 2, layerByLayer);
            return (loss, trained.Select(weight => weight.grad!.data<float>().ToArray()).ToArray());
        }

        var onePass = Step(layerByLayer: false);
        var layered = Step(layerByLayer: true);
        trained.ForEach(weight => weight.requires_grad = false);
        Assert.Equal(onePass.Loss, layered.Loss);
        for (int n = 0; n < trained.Count; n++)
        {
            Assert.Contains(onePass.Gradients[n], value => value != 0);
            Assert.Equal(onePass.Gradients[n], layered.Gradients[n]);
        }
    }

    [Fact]
    public void Only_wide_slices_of_a_block_of_several_layers_train_layer_by_layer()
    {
        Assert.False(ErrorCorrectionTrainer.TrainsLayerByLayer(blockLayers: 4, sliceTokens: 512, dim: 288));
        Assert.True(ErrorCorrectionTrainer.TrainsLayerByLayer(blockLayers: 4, sliceTokens: 2048, dim: 2048));
        Assert.False(ErrorCorrectionTrainer.TrainsLayerByLayer(blockLayers: 1, sliceTokens: 2048, dim: 2048));
    }

    // The first layers of the model in float32 products, inputs embedded from calibration text, and
    // targets the inputs plus noise (what the block should learn does not matter, only its gradients).
    private static (List<DecoderLayer> Block, Tensor Inputs, Tensor Targets) Block(LlamaModel model, int layers, int samples, ulong seed)
    {
        var block = model.Layers.Take(layers).ToList();
        block.ForEach(layer => layer.CalibrationProducts = ScalarType.Float32);
        using var noGrad = no_grad();
        var inputs = model.Embed(TextWindows.Tokens(TestData.CalibrationTextPath, model.Config, samples, 100_000));
        return (block, inputs, inputs + (0.1f * randn(inputs.shape, generator: new Generator(seed))));
    }

    [Fact]
    public void Slices_hold_about_512_tokens_and_at_least_one_sample()
    {
        Assert.Equal(2, ErrorCorrectionTrainer.SliceSamples(256));
        Assert.Equal(8, ErrorCorrectionTrainer.SliceSamples(64));
        Assert.Equal(1, ErrorCorrectionTrainer.SliceSamples(2048));
    }
}

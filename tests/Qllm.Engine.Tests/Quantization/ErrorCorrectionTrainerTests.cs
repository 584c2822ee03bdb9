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
        var block = model.Layers.Take(2).ToList();
        foreach (var layer in block)
        {
            layer.CalibrationProducts = ScalarType.Float32;
        }

        Tensor inputs, targets;
        using (no_grad())
        {
            inputs = model.Embed(TextWindows.Tokens(TestData.CalibrationTextPath, model.Config, 5, 100_000));
            targets = inputs + (0.1f * randn(inputs.shape, generator: new Generator(3)));
        }

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
    public void Slices_hold_about_512_tokens_and_at_least_one_sample()
    {
        Assert.Equal(2, ErrorCorrectionTrainer.SliceSamples(256));
        Assert.Equal(8, ErrorCorrectionTrainer.SliceSamples(64));
        Assert.Equal(1, ErrorCorrectionTrainer.SliceSamples(2048));
    }
}

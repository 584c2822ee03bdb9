using Qllm.Engine.Modeling;
using Qllm.Engine.Loading;
using Qllm.Engine.Rotation;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

public sealed class ModelRotationTests(Stories15MFixture stories, ITestOutputHelper output) : IClassFixture<Stories15MFixture>
{
    // Two full-context windows of the evaluation text: a few hundred positions.
    private const int Windows = 2;

    [Fact]
    public void The_rotated_model_computes_the_original_logits()
    {
        using var original = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var copy = Copy(stories.Checkpoint);
        using var rotated = LlamaModel.FromCheckpoint(copy, CPU);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = TextWindows.Tokens(TestData.EvaluationTextPath, original.Config, Windows, 50_000);

        ModelRotation.Apply(rotated, seed: 42);

        var expected = original.forward(input);
        var actual = rotated.forward(input);
        var difference = (expected - actual).abs().max().item<float>();
        output.WriteLine($"max |Δlogit| = {difference:G3} over {input.numel()} positions (logits up to {expected.abs().max().item<float>():G3})");
        // Observed 4.6e-5 on stories15M (512 positions, logits up to 26): float32 rounding of the
        // rotated weights and of the reordered sums; a missed fold would show up as whole units.
        Assert.True(difference < 5e-4, $"max |Δlogit| = {difference}");
        Assert.True(expected.argmax(-1).eq(actual.argmax(-1)).all().item<bool>(), "the greedy predictions changed");
    }

    [Fact]
    public void The_weights_are_really_rotated_and_the_norms_fused()
    {
        using var original = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var copy = Copy(stories.Checkpoint);
        using var rotated = LlamaModel.FromCheckpoint(copy, CPU);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();

        ModelRotation.Apply(rotated, seed: 42);

        // Far above the logit tolerance: the stream's channels are mixed, not merely perturbed.
        foreach (var (before, after) in original.Layers.Zip(rotated.Layers))
        {
            Assert.True(MaxChange(Weight(before.Attention.QueryProjection), Weight(after.Attention.QueryProjection)) > 0.1);
            Assert.True(MaxChange(Weight(before.Attention.ValueProjection), Weight(after.Attention.ValueProjection)) > 0.01);
            Assert.True(MaxChange(Weight(before.Attention.OutputProjection), Weight(after.Attention.OutputProjection)) > 0.01);
            Assert.True(MaxChange(Weight(before.FeedForward.DownProjection), Weight(after.FeedForward.DownProjection)) > 0.01);
            Assert.NotNull(after.Attention.HeadTransform);
            Assert.NotNull(after.FeedForward.DownTransform);
            Assert.True(after.AttentionNorm.Weight.eq(1).all().item<bool>());
            Assert.True(after.FeedForwardNorm.Weight.eq(1).all().item<bool>());
        }

        // The embedding, the final norm and the tied classifier stay as they were: the residual
        // rotation is applied online at both ends instead (docs/architecture.md).
        Assert.True(rotated.FinalNorm.Weight.eq(original.FinalNorm.Weight).all().item<bool>());
        Assert.True(rotated.EmbeddingWeight.eq(original.EmbeddingWeight).all().item<bool>());
        Assert.Same(rotated.EmbeddingWeight, Weight(rotated.Classifier));
        Assert.NotNull(rotated.ResidualTransform);
    }

    /// <summary>A checkpoint with its own tensors: a CPU model shares its checkpoint's storage, and the rotation writes through it.</summary>
    private static LlamaCheckpoint Copy(LlamaCheckpoint checkpoint) =>
        new(checkpoint.Config, checkpoint.Tensors.ToDictionary(t => t.Key, t => t.Value.clone()), checkpoint.Source);

    [Fact]
    public void An_untied_classifier_is_kept_and_the_logits_are_the_same()
    {
        using var original = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var untied = Untied(stories.Checkpoint);
        using var rotated = LlamaModel.FromCheckpoint(untied, CPU);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var head = rotated.Classifier;
        var input = TextWindows.Tokens(TestData.EvaluationTextPath, original.Config, Windows, 50_000);

        ModelRotation.Apply(rotated, seed: 3);

        Assert.Same(head, rotated.Classifier);
        Assert.NotSame(rotated.EmbeddingWeight, Weight(rotated.Classifier));
        var difference = (original.forward(input) - rotated.forward(input)).abs().max().item<float>();
        Assert.True(difference < 5e-4, $"max |Δlogit| = {difference}");
    }

    /// <summary>A copy of the tied checkpoint with its own classifier tensor, equal to the embedding.</summary>
    private static LlamaCheckpoint Untied(LlamaCheckpoint checkpoint)
    {
        var tensors = checkpoint.Tensors.ToDictionary(t => t.Key, t => t.Value.clone());
        tensors[TensorNames.Classifier] = checkpoint.Tensors[TensorNames.Embedding].clone();
        return new(checkpoint.Config with { TiedEmbeddings = false }, tensors, checkpoint.Source);
    }

    [Fact]
    public void A_model_is_rotated_once()
    {
        using var copy = Copy(stories.Checkpoint);
        using var rotated = LlamaModel.FromCheckpoint(copy, CPU);
        ModelRotation.Apply(rotated, seed: 1);
        Assert.Throws<InvalidOperationException>(() => ModelRotation.Apply(rotated, seed: 1));
    }

    private static double MaxChange(Tensor before, Tensor after) => (before - after).abs().max().item<float>();

    private static TorchSharp.Modules.Parameter Weight(nn.Module<Tensor, Tensor> linear) => Assert.IsType<DenseLinear>(linear).Weight;
}

using Qllm.Artifacts.Schema;
using Qllm.Engine.Conversion;
using Qllm.Engine.Modeling;
using Qllm.Engine.Loading;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Conversion;

public sealed class RopePermutationTests(Stories15MFixture stories) : IClassFixture<Stories15MFixture>
{
    [Fact]
    public void Rows_of_each_head_move_from_adjacent_pairs_to_halves()
    {
        // One head of width 4 over one input: rows (0,1,2,3) = pairs (0,1),(2,3) become (0,2,1,3).
        var weight = arange(8, ScalarType.Float32).view(8, 1);
        var permuted = RopePermutation.ToHalfSplit(weight, heads: 2).flatten().data<float>().ToArray();
        Assert.Equal([0f, 2, 1, 3, 4, 6, 5, 7], permuted);
    }

    [Fact]
    public void The_half_split_model_gives_the_logits_of_the_interleaved_one()
    {
        using var converted = RopePermutation.ToHalfSplit(stories.Checkpoint);
        Assert.Equal(RopeLayout.HalfSplit, converted.Config.RopeLayout);
        using var original = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var halfSplit = LlamaModel.FromCheckpoint(converted, CPU);
        using var noGrad = no_grad();
        var input = tensor(new long[] { 1, 9038, 2501, 263, 931, 29892, 727, 471 }, [1, 8]);
        var expected = original.forward(input);
        var actual = halfSplit.forward(input);
        Assert.True(expected.allclose(actual, rtol: 1e-4, atol: 1e-4), $"max difference {(expected - actual).abs().max().item<float>()}");
    }
}

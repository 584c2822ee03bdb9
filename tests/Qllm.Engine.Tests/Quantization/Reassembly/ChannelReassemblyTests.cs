using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Reassembly;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization.Reassembly;

public sealed class ChannelReassemblyTests
{
    private static readonly QuantizationSettings W4A4 = new(4, 4);
    private static readonly QuantizationSettings FullPrecision = new(16, 16);

    [Theory]
    [InlineData(40.0)]
    [InlineData(5.0)]
    [InlineData(2.5)]
    public void Disassembly_preserves_the_full_precision_output(double threshold)
    {
        using var point = new PlantedPoint();
        using var scope = NewDisposeScope();
        var disassembly = ChannelReassembly.Disassemble(point.ChannelMax, threshold);
        Assert.True(disassembly.ExtraChannels > 0);

        var x = disassembly.ApplyToActivations(point.Activations);
        Assert.Equal(PlantedPoint.Channels + disassembly.ExtraChannels, x.shape[1]);
        var expected = PlantedPoint.Output(point.Activations, point.Weights);
        var actual = PlantedPoint.Output(x, point.Weights.Select(disassembly.ApplyToWeight));
        Assert.True(expected.allclose(actual, rtol: 1e-5, atol: 1e-5), $"max difference {(expected - actual).abs().max().item<float>()}");

        // Every sub-channel now fits under θ; no channel was split more than needed.
        Assert.True(x.abs().max().item<float>() <= threshold * (1 + 1e-6));
        var maxes = point.ChannelMax.data<float>().ToArray();
        for (int c = 0; c < maxes.Length; c++)
        {
            int expectedSplits = maxes[c] > threshold ? (int)Math.Ceiling(maxes[c] / threshold) : 1;
            Assert.Equal(expectedSplits, disassembly.Splits[c]);
        }
    }

    [Fact]
    public void A_threshold_on_a_breakpoint_does_not_split_one_extra_time()
    {
        // m / (m / k) can round to just above k; the count must still be k.
        foreach (double m in new[] { 0.1, 1.7, 3.3, 41.13, 1e6 / 3 })
        {
            for (int k = 1; k < 40; k++)
            {
                Assert.Equal(k, ChannelDisassembly.SplitCount(m, m / k));
            }
        }
    }

    [Fact]
    public void Threshold_candidates_are_each_extra_channel_count_once_within_the_budget()
    {
        using var point = new PlantedPoint();
        var maxes = point.ChannelMax.data<float>().Select(m => (double)m).ToArray();
        var candidates = ThresholdCandidates.Enumerate(maxes, maxExtra: 12).ToList();
        Assert.NotEmpty(candidates);
        Assert.Equal(1, candidates[0].ExtraChannels);
        for (int i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            Assert.InRange(c.ExtraChannels, 1, 12);
            Assert.Equal(c.Splits, maxes.Select(m => ChannelDisassembly.SplitCount(m, c.Threshold)));
            if (i > 0)
            {
                Assert.True(c.ExtraChannels > candidates[i - 1].ExtraChannels);
                Assert.True(c.Threshold < candidates[i - 1].Threshold);

                // No count in between: E is constant from this θ up to just below the previous one.
                double below = Math.BitDecrement(candidates[i - 1].Threshold);
                Assert.Equal(c.ExtraChannels, maxes.Sum(m => ChannelDisassembly.SplitCount(m, below) - 1));
            }
        }
    }

    [Fact]
    public void Assembly_returns_to_C_channels_with_a_bounded_error()
    {
        using var point = new PlantedPoint(duplicates: false);
        using var scope = NewDisposeScope();
        var map = ChannelReassembly.Build(point.Activations, point.ChannelMax, point.Weights, threshold: 8.0);
        Assert.Equal(PlantedPoint.Channels, map.Channels);
        Assert.True(map.ExtraChannels > 0);

        double error = ChannelReassembly.OutputError(point.Activations, point.Weights, map, FullPrecision);
        double bound = ChannelReassembly.AssemblyErrorBound(point.Activations, point.Weights, map);
        double outputPower = PlantedPoint.Output(point.Activations, point.Weights).square().mean().item<float>();
        Assert.True(error > 0, "merging different channels is not exact");
        Assert.True(error <= bound * (1 + 1e-6), $"error {error} above its bound {bound}");
        Assert.True(error < 0.25 * outputPower, $"error {error} against output power {outputPower}");
    }

    [Fact]
    public void Identical_channels_are_merged_first_and_exactly()
    {
        using var point = new PlantedPoint();

        // θ = 40 splits each 20× channel in two: E = 3, fewer than the four planted duplicate pairs.
        var disassembly = ChannelReassembly.Disassemble(point.ChannelMax, 40.0);
        Assert.Equal(3, disassembly.ExtraChannels);
        foreach (var score in new[] { AssemblyScore.Reference, AssemblyScore.MergeError })
        {
            var assembly = ChannelReassembly.Assemble(point.Activations, point.Weights, disassembly, score);
            var merges = Enumerable.Range(0, PlantedPoint.Channels).Where(a => assembly.MergeInto[a] >= 0).Select(a => (a, assembly.MergeInto[a])).ToList();
            Assert.Equal(3, merges.Count);
            Assert.All(merges, m => Assert.Contains(m, PlantedPoint.Duplicates));

            var map = ChannelReassembly.Compose(disassembly, assembly);
            double error = ChannelReassembly.OutputError(point.Activations, point.Weights, map, FullPrecision);
            using var power = PlantedPoint.Output(point.Activations, point.Weights).square().mean();
            Assert.True(error < 1e-12 * power.item<float>(), $"error {error}");
            Assert.Equal(0, ChannelReassembly.AssemblyErrorBound(point.Activations, point.Weights, map));
        }
    }

    [Fact]
    public void Disassembled_channels_are_never_merged()
    {
        using var point = new PlantedPoint();
        var disassembly = ChannelReassembly.Disassemble(point.ChannelMax, 12.0);
        var assembly = ChannelReassembly.Assemble(point.Activations, point.Weights, disassembly);
        Assert.Equal(disassembly.ExtraChannels, assembly.Merged);
        for (int a = 0; a < PlantedPoint.Channels; a++)
        {
            if (assembly.MergeInto[a] is int b and >= 0)
            {
                Assert.Equal(0, a % 2);
                Assert.Equal(1, b % 2);
                Assert.Equal(1, disassembly.Splits[a]);
                Assert.Equal(1, disassembly.Splits[b]);
            }
        }
    }

    [Fact]
    public void A_threshold_too_low_to_merge_back_is_rejected()
    {
        using var point = new PlantedPoint();
        Assert.Throws<ArgumentException>(() => ChannelReassembly.Build(point.Activations, point.ChannelMax, point.Weights, threshold: 0.05));
    }

    [Fact]
    public void A_threshold_above_every_channel_gives_the_identity()
    {
        using var point = new PlantedPoint();
        Assert.True(ChannelReassembly.Build(point.Activations, point.ChannelMax, point.Weights, threshold: 1e6).IsIdentity);
    }

    [Fact]
    public void Without_quantization_the_search_keeps_the_identity()
    {
        using var point = new PlantedPoint();
        var choice = ChannelReassembly.Search(point.Activations, point.ChannelMax, point.Weights, FullPrecision);
        Assert.True(choice.Map.IsIdentity);
        Assert.Equal(double.PositiveInfinity, choice.Threshold);
        Assert.Equal(0, choice.ExtraChannels);
        Assert.Equal(0, choice.Error);
        Assert.Equal(0, choice.IdentityError);
        Assert.True(choice.CandidatesEvaluated > 1);
    }

    [Fact]
    public void At_W4A4_planted_outliers_are_reassembled_and_the_error_drops()
    {
        using var point = new PlantedPoint(duplicates: false);
        var choice = ChannelReassembly.Search(point.Activations, point.ChannelMax, point.Weights, W4A4);
        Assert.False(choice.Map.IsIdentity);
        Assert.InRange(choice.ExtraChannels, 1, (int)(PlantedPoint.Channels * 0.2));
        Assert.Equal(choice.ExtraChannels, choice.Map.ExtraChannels);
        Assert.True(choice.Error < 0.8 * choice.IdentityError, $"error {choice.Error}, identity {choice.IdentityError}");

        // The reported error is the objective on the same tokens (all of them: 1024 < 2048).
        Assert.Equal(choice.Error, ChannelReassembly.OutputError(point.Activations, point.Weights, choice.Map, W4A4), 1e-9);
        Assert.Equal(choice.IdentityError, ChannelReassembly.OutputError(point.Activations, point.Weights, ReassemblyMap.Identity(PlantedPoint.Channels), W4A4), 1e-9);
    }

    [Fact]
    public void The_search_keeps_the_lowest_error_of_every_candidate_identity_included()
    {
        // Weight-only quantization of outlier-free data: splitting cannot help the activations and
        // every merge costs, so the identity should win; the search must agree with a brute force.
        foreach (var (settings, outliers) in new[] { (new QuantizationSettings(4, 16), false), (W4A4, true) })
        {
            using var point = new PlantedPoint(outliers: outliers, duplicates: false);
            var choice = ChannelReassembly.Search(point.Activations, point.ChannelMax, point.Weights, settings);
            var maxes = point.ChannelMax.data<float>().Select(m => (double)m).ToArray();
            var errors = new List<double> { ChannelReassembly.OutputError(point.Activations, point.Weights, ReassemblyMap.Identity(PlantedPoint.Channels), settings) };
            foreach (var candidate in ThresholdCandidates.Enumerate(maxes, (int)(PlantedPoint.Channels * 0.2)))
            {
                var map = ChannelReassembly.Build(point.Activations, point.ChannelMax, point.Weights, candidate.Threshold);
                errors.Add(ChannelReassembly.OutputError(point.Activations, point.Weights, map, settings));
            }

            Assert.Equal(errors.Count, choice.CandidatesEvaluated);
            Assert.Equal(errors.Min(), choice.Error, 1e-9);
            if (!outliers)
            {
                Assert.True(choice.Map.IsIdentity, $"identity {errors[0]}, best other {errors.Skip(1).Min()}");
                Assert.Equal(choice.IdentityError, choice.Error);
            }
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(0.1)]
    [InlineData(0.2)]
    public void Extra_channels_never_exceed_the_ratio(double ratio)
    {
        using var point = new PlantedPoint(duplicates: false);
        var choice = ChannelReassembly.Search(point.Activations, point.ChannelMax, point.Weights, W4A4, ratio);
        Assert.True(choice.ExtraChannels <= (int)Math.Floor(PlantedPoint.Channels * ratio));
        if (ratio == 0)
        {
            Assert.True(choice.Map.IsIdentity);
            Assert.Equal(1, choice.CandidatesEvaluated);
        }
    }

    [Fact]
    public void The_search_is_deterministic()
    {
        using var point = new PlantedPoint(tokens: 3000, duplicates: false);
        var first = ChannelReassembly.Search(point.Activations, point.ChannelMax, point.Weights, W4A4, maxTokens: 700);
        var second = ChannelReassembly.Search(point.Activations, point.ChannelMax, point.Weights, W4A4, maxTokens: 700);
        Assert.Equal(first, second);
        Assert.Equal(first.Map, second.Map);
    }

    [Fact]
    public void Channel_max_covers_every_token()
    {
        float[] values = [1, -5, 2, 3, 0.5f, -4];
        using var x = tensor(values, [3, 2]);
        using var max = ChannelReassembly.ChannelMax(x);
        Assert.Equal([2f, 5f], max.data<float>().ToArray());
    }
}

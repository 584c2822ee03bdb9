using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization.Reassembly;

/// <summary>
/// Adaptive channel reassembly (QLLM steps 1–3) at one reassembly point: channels whose max |x|
/// exceeds θ are disassembled into sub-channels, as many similar channels are assembled (merged)
/// to return to C channels, and θ is searched per point to minimise the quantized consumers'
/// output error, with "no reassembly" as one of the candidates.
/// </summary>
public static class ChannelReassembly
{
    /// <summary>Tokens the search evaluates by default: enough for stable errors, fast on a CPU.</summary>
    public const int DefaultSearchTokens = 2048;

    // With many candidates (up to C·ratio + 1: 155 at C = 768), each is first scored on a quarter
    // of the search tokens and only the best few are evaluated on all of them: the ranking on the
    // smaller sample is stable enough to find the best region, and the finalists settle it. This
    // keeps a search at C = 768 around a second on two cores.
    private const int ScreeningFinalists = 8;
    private const int MinScreeningTokens = 256;

    /// <summary>The reference's cap on extra channels, as a share of C.</summary>
    public const double DefaultChannelRatio = 0.2;

    /// <summary>
    /// Searches θ at one point: every θ at which the extra-channel count E changes, from max(m)
    /// down while E ≤ C·<paramref name="channelRatio"/>, plus no reassembly at all, and keeps the
    /// map with the lowest quantized-output MSE (the identity on ties). With more than 16
    /// candidates, all are first scored on a quarter of the search tokens and the 8 best are then
    /// evaluated, with the identity, on all of them.
    /// </summary>
    /// <param name="sample">Calibration activations [..., C] at the point (the search uses at most <paramref name="maxTokens"/> evenly spaced tokens of them).</param>
    /// <param name="channelMax">[C] max |x| per channel over all calibration tokens.</param>
    /// <param name="consumerWeights">The linears reading the point, each [O_k, C] (q/k/v, gate/up, or down).</param>
    /// <param name="settings">Bit widths; with 16/16 bits nothing beats the identity.</param>
    /// <param name="channelRatio">Cap on E as a share of C, in [0, 1).</param>
    /// <param name="maxTokens">Tokens used for pair distances and errors.</param>
    /// <param name="score">How assembly ranks pairs.</param>
    public static ReassemblyChoice Search(
        Tensor sample,
        Tensor channelMax,
        IReadOnlyList<Tensor> consumerWeights,
        QuantizationSettings settings,
        double channelRatio = DefaultChannelRatio,
        int maxTokens = DefaultSearchTokens,
        AssemblyScore score = AssemblyScore.Reference)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!(channelRatio >= 0 && channelRatio < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(channelRatio), channelRatio, "the channel ratio must be in [0, 1)");
        }

        int channels = CheckInputs(sample, consumerWeights);
        var maxes = ChannelMaxValues(channelMax, channels);
        int maxExtra = (int)Math.Floor(channels * channelRatio);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = SearchTokens(sample, maxTokens);
        var w = ConcatenatedWeight(consumerWeights, x.device);
        var pairs = PairScores.Compute(x, w, score);
        using var objective = new QuantizedOutputError(x, w, settings);

        var candidates = new List<(ChannelDisassembly Disassembly, ReassemblyMap Map)>();
        foreach (var disassembly in ThresholdCandidates.Enumerate(maxes, maxExtra))
        {
            var assembly = pairs.Match(disassembly.Splits, disassembly.ExtraChannels);
            if (assembly is null)
            {
                // Fewer mergeable channels than extra ones; a lower θ only splits more.
                break;
            }

            candidates.Add((disassembly, Compose(disassembly, assembly)));
        }

        var identity = ReassemblyMap.Identity(channels);
        double identityError = objective.Evaluate(identity);
        var best = new ReassemblyChoice(identity, double.PositiveInfinity, 0, identityError, identityError, candidates.Count + 1);
        foreach (var (disassembly, map) in Finalists(candidates, x, w, settings))
        {
            double error = objective.Evaluate(map);
            if (error < best.Error)
            {
                best = best with { Map = map, Threshold = disassembly.Threshold, ExtraChannels = disassembly.ExtraChannels, Error = error };
            }
        }

        return best;
    }

    private static List<(ChannelDisassembly Disassembly, ReassemblyMap Map)> Finalists(
        List<(ChannelDisassembly Disassembly, ReassemblyMap Map)> candidates, Tensor x, Tensor w, QuantizationSettings settings)
    {
        int screeningTokens = Math.Max(MinScreeningTokens, (int)(x.shape[0] / 4));
        if (candidates.Count <= 2 * ScreeningFinalists || x.shape[0] <= screeningTokens)
        {
            return candidates;
        }

        using var scope = NewDisposeScope();
        using var screen = new QuantizedOutputError(EvenlySpaced(x, screeningTokens), w, settings);
        return candidates
            .Select((c, i) => (Candidate: c, Index: i, Error: screen.Evaluate(c.Map)))
            .OrderBy(c => c.Error).ThenBy(c => c.Index)
            .Take(ScreeningFinalists)
            .OrderBy(c => c.Index)
            .Select(c => c.Candidate)
            .ToList();
    }

    /// <summary>The reassembly for a given θ (the identity when θ ≥ every channel max).</summary>
    /// <exception cref="ArgumentException">θ is so low that there are fewer mergeable channels than extra ones.</exception>
    public static ReassemblyMap Build(
        Tensor sample,
        Tensor channelMax,
        IReadOnlyList<Tensor> consumerWeights,
        double threshold,
        AssemblyScore score = AssemblyScore.Reference,
        int maxTokens = DefaultSearchTokens)
    {
        int channels = CheckInputs(sample, consumerWeights);
        var disassembly = ChannelDisassembly.ForThreshold(ChannelMaxValues(channelMax, channels), threshold);
        return Compose(disassembly, Assemble(sample, consumerWeights, disassembly, score, maxTokens));
    }

    /// <summary>
    /// MSE between the full-precision consumer outputs x·Wᵀ and Q(x')·Q(W')ᵀ over all tokens of
    /// <paramref name="sample"/>; with 16/16 bits this is the map's own full-precision error.
    /// </summary>
    public static double OutputError(Tensor sample, IReadOnlyList<Tensor> consumerWeights, ReassemblyMap map, QuantizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(settings);
        int channels = CheckInputs(sample, consumerWeights);
        if (map.Channels != channels)
        {
            throw new ArgumentException($"the map has {map.Channels} channels, the sample {channels}", nameof(map));
        }

        using var scope = NewDisposeScope();
        var x = sample.reshape(-1, channels).to(ScalarType.Float32);
        using var objective = new QuantizedOutputError(x, ConcatenatedWeight(consumerWeights, x.device), settings);
        return objective.Evaluate(map);
    }

    /// <summary>Max |x| per channel over every token of <paramref name="activations"/> [..., C].</summary>
    public static Tensor ChannelMax(Tensor activations)
    {
        ArgumentNullException.ThrowIfNull(activations);
        using var scope = NewDisposeScope();
        long channels = activations.shape[^1];
        return activations.detach().reshape(-1, channels).abs().amax([0]).MoveToOuterDisposeScope();
    }

    /// <summary>Step 1 alone: splits channels whose max exceeds θ (C + E channels wide).</summary>
    internal static ChannelDisassembly Disassemble(Tensor channelMax, double threshold)
    {
        ArgumentNullException.ThrowIfNull(channelMax);
        return ChannelDisassembly.ForThreshold(ChannelMaxValues(channelMax, (int)channelMax.numel()), threshold);
    }

    /// <summary>Step 2 alone: the E merges among the channels <paramref name="disassembly"/> leaves whole.</summary>
    internal static ChannelAssembly Assemble(
        Tensor sample,
        IReadOnlyList<Tensor> consumerWeights,
        ChannelDisassembly disassembly,
        AssemblyScore score = AssemblyScore.Reference,
        int maxTokens = DefaultSearchTokens)
    {
        ArgumentNullException.ThrowIfNull(disassembly);
        int channels = CheckInputs(sample, consumerWeights);
        if (disassembly.Splits.Length != channels)
        {
            throw new ArgumentException($"the disassembly covers {disassembly.Splits.Length} channels, the sample {channels}", nameof(disassembly));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = SearchTokens(sample, maxTokens);
        var pairs = PairScores.Compute(x, ConcatenatedWeight(consumerWeights, x.device), score);
        return pairs.Match(disassembly.Splits, disassembly.ExtraChannels)
            ?? throw new ArgumentException($"θ = {disassembly.Threshold} adds {disassembly.ExtraChannels} channels, more than can be merged back", nameof(disassembly));
    }

    /// <summary>
    /// One map doing both steps, in channel order: a merged-away channel disappears, a split
    /// channel becomes T adjacent sub-channels, a merge target becomes the mean of its group.
    /// </summary>
    internal static ReassemblyMap Compose(ChannelDisassembly disassembly, ChannelAssembly assembly)
    {
        ArgumentNullException.ThrowIfNull(disassembly);
        ArgumentNullException.ThrowIfNull(assembly);
        int channels = disassembly.Splits.Length;
        var groups = new List<int>?[channels];
        for (int a = 0; a < channels; a++)
        {
            int target = assembly.MergeInto[a];
            if (target >= 0)
            {
                if (disassembly.Splits[a] != 1 || disassembly.Splits[target] != 1 || assembly.MergeInto[target] >= 0)
                {
                    throw new ArgumentException($"channel {a} merges into {target}, but only whole, unmerged channels can be merged");
                }

                (groups[target] ??= [target]).Add(a);
            }
        }

        var offsets = new List<int>(channels + 1) { 0 };
        var sources = new List<int>(channels + disassembly.ExtraChannels);
        var coefficients = new List<float>(channels + disassembly.ExtraChannels);
        for (int c = 0; c < channels; c++)
        {
            if (assembly.MergeInto[c] >= 0)
            {
                continue;
            }

            if (groups[c] is { } members)
            {
                members.Sort();
                sources.AddRange(members);
                coefficients.AddRange(Enumerable.Repeat(1f / members.Count, members.Count));
                offsets.Add(sources.Count);
                continue;
            }

            int t = disassembly.Splits[c];
            for (int s = 0; s < t; s++)
            {
                sources.Add(c);
                coefficients.Add(1f / t);
                offsets.Add(sources.Count);
            }
        }

        if (offsets.Count != channels + 1)
        {
            throw new ArgumentException($"{disassembly.ExtraChannels} extra channels but {assembly.Merged} merges: the map would have {offsets.Count - 1} channels, not {channels}");
        }

        return new ReassemblyMap(channels, [.. offsets], [.. sources], [.. coefficients]);
    }

    /// <summary>
    /// An upper bound on the full-precision MSE of <paramref name="map"/>'s merges: a group g with
    /// mean x̄_g and summed column changes each output vector by Σ_{s∈g} W_s (x_s − x̄_g), so per
    /// token ‖error‖ ≤ Σ_g Σ_{s∈g} ‖W_s‖ · |x_s − x̄_g|. Splits contribute nothing (they are exact).
    /// </summary>
    internal static double AssemblyErrorBound(Tensor sample, IReadOnlyList<Tensor> consumerWeights, ReassemblyMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        int channels = CheckInputs(sample, consumerWeights);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = sample.reshape(-1, channels).to(ScalarType.Float64);
        var w = ConcatenatedWeight(consumerWeights, x.device).to(ScalarType.Float64);
        var columnNorms = w.square().sum([0]).sqrt();
        var perToken = zeros(x.shape[0], dtype: ScalarType.Float64, device: x.device);
        for (int j = 0; j < channels; j++)
        {
            var members = map.Members(j).ToArray();
            if (members.Length < 2)
            {
                continue;
            }

            var index = tensor(members.Select(m => (long)m.Source).ToArray(), device: x.device);
            var group = x.index_select(1, index);
            var deviation = (group - group.mean([1], keepdim: true)).abs();
            perToken += deviation.matmul(columnNorms.index_select(0, index));
        }

        return perToken.square().sum().item<double>() / (x.shape[0] * w.shape[0]);
    }

    private static int CheckInputs(Tensor sample, IReadOnlyList<Tensor> consumerWeights)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(consumerWeights);
        if (sample.dim() < 2)
        {
            throw new ArgumentException("the sample must be [..., tokens, C]", nameof(sample));
        }

        long channels = sample.shape[^1];
        if (consumerWeights.Count == 0)
        {
            throw new ArgumentException("at least one consumer weight is needed", nameof(consumerWeights));
        }

        foreach (var w in consumerWeights)
        {
            if (w.dim() != 2 || w.shape[1] != channels)
            {
                throw new ArgumentException($"a consumer weight must be [out, {channels}], got [{string.Join(", ", w.shape)}]", nameof(consumerWeights));
            }
        }

        return checked((int)channels);
    }

    private static double[] ChannelMaxValues(Tensor channelMax, int channels)
    {
        ArgumentNullException.ThrowIfNull(channelMax);
        if (channelMax.numel() != channels)
        {
            throw new ArgumentException($"expected {channels} channel maxima, got {channelMax.numel()}", nameof(channelMax));
        }

        using var values = channelMax.detach().reshape(-1).to(ScalarType.Float64).cpu();
        return values.data<double>().ToArray();
    }

    // At most maxTokens tokens, evenly spaced so that every part of the calibration set is seen,
    // as float32 [n, C]; deterministic, no sampling.
    private static Tensor SearchTokens(Tensor sample, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTokens);
        long channels = sample.shape[^1];
        return EvenlySpaced(sample.detach().reshape(-1, channels), maxTokens).to(ScalarType.Float32).contiguous();
    }

    private static Tensor EvenlySpaced(Tensor x, int count)
    {
        long n = x.shape[0];
        if (n <= count)
        {
            return x;
        }

        var picks = Enumerable.Range(0, count).Select(i => i * n / count).ToArray();
        return x.index_select(0, tensor(picks, device: x.device));
    }

    private static Tensor ConcatenatedWeight(IReadOnlyList<Tensor> consumerWeights, Device device) =>
        cat([.. consumerWeights.Select(w => w.detach().to(ScalarType.Float32, device))], 0);
}

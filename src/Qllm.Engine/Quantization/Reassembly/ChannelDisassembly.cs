using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization.Reassembly;

/// <summary>
/// Channel disassembly on its own: channel i becomes <c>Splits[i]</c> consecutive sub-channels,
/// each carrying x_i / T_i, and the consuming weight's column i is repeated T_i times. Exact in
/// full precision; C + <see cref="ExtraChannels"/> channels wide.
/// </summary>
/// <param name="Splits">T_i ≥ 1 per input channel.</param>
/// <param name="Threshold">θ that produced the splits (+∞ for none).</param>
internal sealed record ChannelDisassembly(int[] Splits, double Threshold)
{
    /// <summary>Σ (T_i − 1).</summary>
    public int ExtraChannels => Splits.Sum() - Splits.Length;

    /// <summary>
    /// T_i = 1 + #{k ≥ 1 : m_i / k > θ}, which is ceil(m_i / θ) for m_i &gt; θ and 1 otherwise, counted
    /// so that it agrees exactly with the breakpoints m_i / k the threshold search walks through
    /// (a division and ceil can land one above at θ = m_i / k).
    /// </summary>
    public static int SplitCount(double channelMax, double threshold)
    {
        if (!(channelMax > threshold))
        {
            return 1;
        }

        long k = (long)Math.Ceiling(channelMax / threshold);
        while (k > 1 && !(channelMax / (k - 1) > threshold))
        {
            k--;
        }

        while (channelMax / k > threshold)
        {
            k++;
        }

        return checked((int)k);
    }

    /// <summary>Splits every channel whose max exceeds <paramref name="threshold"/>.</summary>
    public static ChannelDisassembly ForThreshold(IReadOnlyList<double> channelMax, double threshold)
    {
        ArgumentNullException.ThrowIfNull(channelMax);
        if (!(threshold > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the threshold must be positive");
        }

        return new ChannelDisassembly([.. channelMax.Select(m => SplitCount(m, threshold))], threshold);
    }

    /// <summary>x [..., C] → [..., C + E], sub-channels of a split channel adjacent.</summary>
    public Tensor ApplyToActivations(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        long last = x.dim() - 1;
        var scale = tensor(Splits.SelectMany(t => Enumerable.Repeat(1f / t, t)).ToArray(), device: x.device).to(x.dtype);
        return (x.index_select(last, RepeatIndex(x.device)) * scale).MoveToOuterDisposeScope();
    }

    /// <summary>W [out, C] → [out, C + E], each split column repeated unscaled.</summary>
    public Tensor ApplyToWeight(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = NewDisposeScope();
        return weight.index_select(weight.dim() - 1, RepeatIndex(weight.device)).MoveToOuterDisposeScope();
    }

    private Tensor RepeatIndex(Device device) =>
        tensor(Splits.SelectMany((t, i) => Enumerable.Repeat((long)i, t)).ToArray(), device: device);
}

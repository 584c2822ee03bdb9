namespace Qllm.Engine.Quantization.Reassembly;

/// <summary>
/// The thresholds worth evaluating: E(θ) = Σ_i (ceil(m_i / θ) − 1) for m_i &gt; θ equals the number
/// of breakpoints m_i / k (k ≥ 1) strictly above θ, so E only changes at those breakpoints. Walking
/// them downwards from max(m) yields every distinct extra-channel count exactly once, where the
/// reference's fixed grid of 100+ steps can skip counts and re-evaluate equal ones.
/// </summary>
internal static class ThresholdCandidates
{
    /// <summary>
    /// Disassemblies with 1 ≤ E ≤ <paramref name="maxExtra"/>, in increasing E; θ of each is the
    /// breakpoint itself, the lowest θ of its interval (so the largest sub-channel max equals θ).
    /// </summary>
    public static IEnumerable<ChannelDisassembly> Enumerate(IReadOnlyList<double> channelMax, int maxExtra)
    {
        ArgumentNullException.ThrowIfNull(channelMax);
        var splits = Enumerable.Repeat(1, channelMax.Count).ToArray();

        // Max-heap of each channel's next breakpoint m_i / T_i; ties pop the lower channel first.
        var heap = new PriorityQueue<int, (double Value, int Channel)>(Comparer<(double Value, int Channel)>.Create(
            (p, q) => p.Value != q.Value ? q.Value.CompareTo(p.Value) : p.Channel.CompareTo(q.Channel)));
        for (int i = 0; i < channelMax.Count; i++)
        {
            if (channelMax[i] > 0 && double.IsFinite(channelMax[i]))
            {
                heap.Enqueue(i, (channelMax[i], i));
            }
        }

        int extra = 0;
        while (heap.TryPeek(out _, out var top))
        {
            double theta = top.Value;
            if (extra > 0)
            {
                yield return new ChannelDisassembly((int[])splits.Clone(), theta);
            }

            // Crossing θ = breakpoint: every channel whose breakpoint equals it gains a sub-channel.
            while (heap.TryPeek(out int channel, out var next) && next.Value == theta)
            {
                heap.Dequeue();
                splits[channel]++;
                extra++;
                heap.Enqueue(channel, (channelMax[channel] / splits[channel], channel));
            }

            if (extra > maxExtra)
            {
                yield break;
            }
        }
    }
}

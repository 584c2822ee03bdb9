namespace Qllm.Engine.Quantization.Reassembly;

/// <summary>
/// Channel assembly on its own: <c>MergeInto[a]</c> is the channel that channel a is merged into,
/// or −1 when a stays. A merged group's activation is the mean of its members and its weight
/// column the sum of theirs: exact only when the members' activations are equal.
/// </summary>
/// <param name="MergeInto">Per channel, the target channel or −1.</param>
/// <param name="Scores">The pair score of each merge, in the order the merges were chosen.</param>
internal sealed record ChannelAssembly(int[] MergeInto, double[] Scores)
{
    /// <summary>Channels removed.</summary>
    public int Merged => MergeInto.Count(t => t >= 0);
}

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// The BPE merge loop: repeatedly merge the adjacent pair of the first merge in priority order (the
/// highest score in llama2.c and SentencePiece, the lowest rank in Hugging Face BPE), the leftmost
/// pair on ties, in O(n log n): a heap of candidate pairs ordered by priority and then by position,
/// with stale candidates skipped when they come out. Symbols keep their original index while
/// merged, so "position" orders pairs exactly as a left-to-right scan does.
/// </summary>
internal static class PriorityBpe
{
    /// <summary>Merges <paramref name="symbols"/>.</summary>
    /// <param name="symbols">The initial token ids.</param>
    /// <param name="merges">Pair key (<see cref="PairKey"/>) to its merge; only pairs that may merge.</param>
    public static int[] Merge(ReadOnlySpan<int> symbols, LongKeyTable<BpeMerge> merges)
    {
        var count = symbols.Length;
        if (count < 2)
        {
            return symbols.ToArray();
        }

        var ids = symbols.ToArray();
        var next = new int[count];
        var prev = new int[count];
        for (var i = 0; i < count; i++)
        {
            next[i] = i + 1;
            prev[i] = i - 1;
        }

        var queue = new PriorityQueue<Candidate, ulong>(count);
        var initial = new List<(Candidate, ulong)>(count);
        for (var i = 0; i + 1 < count; i++)
        {
            if (merges.TryGetValue(PairKey(ids[i], ids[i + 1]), out var merge))
            {
                initial.Add((new Candidate(i, ids[i], ids[i + 1], merge.Merged), Key(merge, i)));
            }
        }

        queue.EnqueueRange(initial);
        while (queue.TryDequeue(out var candidate, out _))
        {
            // A candidate is stale once either symbol has changed. One whose left symbol now has a
            // different right neighbour with the same id is not stale: it is that pair's candidate.
            var left = candidate.Left;
            var right = next[left];
            if (ids[left] != candidate.LeftId || right >= count || ids[right] != candidate.RightId)
            {
                continue;
            }

            ids[left] = candidate.Merged;
            ids[right] = -1;
            next[left] = next[right];
            if (next[left] < count)
            {
                prev[next[left]] = left;
                Offer(queue, merges, left, ids[left], ids[next[left]]);
            }

            if (prev[left] >= 0)
            {
                Offer(queue, merges, prev[left], ids[prev[left]], ids[left]);
            }
        }

        var result = new List<int>(count);
        for (var i = 0; i < count; i = next[i])
        {
            result.Add(ids[i]);
        }

        return [.. result];
    }

    /// <summary>The key of the pair (left, right) in a merge table.</summary>
    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>
    /// A score as a <see cref="BpeMerge.Priority"/> that puts the highest score first: the float's
    /// bits made order-preserving, then inverted.
    /// </summary>
    public static uint HighestScoreFirst(float score)
    {
        // -0 and +0 compare equal in run.c, so they must share a key.
        var bits = BitConverter.SingleToUInt32Bits(score == 0f ? 0f : score);
        var ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ~ascending;
    }

    // Priority above position: the first merge, then the leftmost pair.
    private static ulong Key(BpeMerge merge, int position) => ((ulong)merge.Priority << 32) | (uint)position;

    private static void Offer(PriorityQueue<Candidate, ulong> queue, LongKeyTable<BpeMerge> merges, int left, int leftId, int rightId)
    {
        if (merges.TryGetValue(PairKey(leftId, rightId), out var merge))
        {
            queue.Enqueue(new Candidate(left, leftId, rightId, merge.Merged), Key(merge, left));
        }
    }

    private readonly record struct Candidate(int Left, int LeftId, int RightId, int Merged);
}

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// llama2.c's merge loop (repeatedly merge the adjacent pair whose merged piece scores highest,
/// the leftmost pair on ties) in O(n log n): a heap of candidate pairs ordered by score and then by
/// position, with stale candidates skipped when they come out. Symbols keep their original index
/// while merged, so "position" orders pairs exactly as llama2.c's left-to-right scan does.
/// </summary>
internal static class PriorityBpe
{
    /// <summary>Merges <paramref name="symbols"/>; <paramref name="merges"/> maps a pair key to the merged id.</summary>
    /// <param name="symbols">The initial token ids.</param>
    /// <param name="merges">Pair key (<see cref="PairKey"/>) to merged id; only pairs that may merge.</param>
    /// <param name="scores">Token scores; those of merged ids must not be NaN.</param>
    public static int[] Merge(ReadOnlySpan<int> symbols, Dictionary<long, int> merges, float[] scores)
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
            if (merges.TryGetValue(PairKey(ids[i], ids[i + 1]), out var merged))
            {
                initial.Add((new Candidate(i, ids[i], ids[i + 1], merged), Priority(scores[merged], i)));
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
                Offer(queue, merges, scores, left, ids[left], ids[next[left]]);
            }

            if (prev[left] >= 0)
            {
                Offer(queue, merges, scores, prev[left], ids[prev[left]], ids[left]);
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
    /// Highest score first, then the leftmost position, as one unsigned key: the float's bits made
    /// order-preserving and inverted, above the position.
    /// </summary>
    private static ulong Priority(float score, int position)
    {
        // -0 and +0 compare equal in run.c, so they must share a key.
        var bits = BitConverter.SingleToUInt32Bits(score == 0f ? 0f : score);
        var ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)~ascending << 32) | (uint)position;
    }

    private static void Offer(PriorityQueue<Candidate, ulong> queue, Dictionary<long, int> merges, float[] scores, int left, int leftId, int rightId)
    {
        if (merges.TryGetValue(PairKey(leftId, rightId), out var merged))
        {
            queue.Enqueue(new Candidate(left, leftId, rightId, merged), Priority(scores[merged], left));
        }
    }

    private readonly record struct Candidate(int Left, int LeftId, int RightId, int Merged);
}

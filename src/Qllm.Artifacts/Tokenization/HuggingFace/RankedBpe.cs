namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face BPE's merge loop: repeatedly merge the adjacent pair with the lowest merge rank,
/// the leftmost on ties, until no pair has a merge. A heap of candidates ordered by rank then
/// position; a candidate whose symbols changed since it was offered is skipped when it comes out.
/// </summary>
internal static class RankedBpe
{
    /// <summary>Merges <paramref name="symbols"/> in place order; <paramref name="merges"/> maps a pair key to its rank and merged id.</summary>
    public static void Merge(List<int> symbols, Dictionary<long, (int Rank, int Merged)> merges)
    {
        var count = symbols.Count;
        if (count < 2)
        {
            return;
        }

        var ids = symbols.ToArray();
        var next = new int[count];
        var prev = new int[count];
        for (var i = 0; i < count; i++)
        {
            next[i] = i + 1;
            prev[i] = i - 1;
        }

        var queue = new PriorityQueue<Candidate, long>(count);
        for (var i = 0; i + 1 < count; i++)
        {
            Offer(queue, merges, i, ids[i], ids[i + 1]);
        }

        while (queue.TryDequeue(out var candidate, out _))
        {
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

        symbols.Clear();
        for (var i = 0; i < count; i = next[i])
        {
            symbols.Add(ids[i]);
        }
    }

    /// <summary>The key of the pair (left, right) in a merge table.</summary>
    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    private static void Offer(PriorityQueue<Candidate, long> queue, Dictionary<long, (int Rank, int Merged)> merges, int left, int leftId, int rightId)
    {
        if (merges.TryGetValue(PairKey(leftId, rightId), out var merge))
        {
            // Rank above position: the lowest rank first, then the leftmost pair.
            queue.Enqueue(new Candidate(left, leftId, rightId, merge.Merged), ((long)merge.Rank << 32) | (uint)left);
        }
    }

    private readonly record struct Candidate(int Left, int LeftId, int RightId, int Merged);
}

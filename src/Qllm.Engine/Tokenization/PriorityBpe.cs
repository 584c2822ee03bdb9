namespace Qllm.Engine.Tokenization;

/// <summary>
/// llama2.c's merge loop (repeatedly merge the adjacent pair whose merged piece scores highest,
/// the leftmost pair on ties) in O(n log n): a heap of candidate pairs ordered by score and then by
/// position, with stale candidates skipped when they come out. Symbols keep their original index
/// while merged, so "position" orders pairs exactly as llama2.c's left-to-right scan does.
/// </summary>
internal static class PriorityBpe
{
    /// <summary>Merges <paramref name="symbols"/>; <paramref name="merges"/> maps a pair key to the merged id.</summary>
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

        var queue = new PriorityQueue<Candidate, Candidate>(count, CandidateOrder.Instance);
        for (var i = 0; i + 1 < count; i++)
        {
            Offer(queue, merges, scores, i, ids[i], i + 1, ids[i + 1]);
        }

        while (queue.TryDequeue(out var candidate, out _))
        {
            var left = candidate.Left;
            var right = candidate.Right;
            if (ids[left] != candidate.LeftId || next[left] != right || ids[right] != candidate.RightId)
            {
                continue;
            }

            ids[left] = candidate.Merged;
            ids[right] = -1;
            next[left] = next[right];
            if (next[left] < count)
            {
                prev[next[left]] = left;
            }

            if (prev[left] >= 0)
            {
                Offer(queue, merges, scores, prev[left], ids[prev[left]], left, ids[left]);
            }

            if (next[left] < count)
            {
                Offer(queue, merges, scores, left, ids[left], next[left], ids[next[left]]);
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

    private static void Offer(
        PriorityQueue<Candidate, Candidate> queue, Dictionary<long, int> merges, float[] scores, int left, int leftId, int right, int rightId)
    {
        if (merges.TryGetValue(PairKey(leftId, rightId), out var merged))
        {
            var candidate = new Candidate(left, right, leftId, rightId, merged, scores[merged]);
            queue.Enqueue(candidate, candidate);
        }
    }

    private readonly record struct Candidate(int Left, int Right, int LeftId, int RightId, int Merged, float Score);

    /// <summary>Highest score first; among equal scores, the leftmost pair.</summary>
    private sealed class CandidateOrder : IComparer<Candidate>
    {
        public static readonly CandidateOrder Instance = new();

        public int Compare(Candidate x, Candidate y)
        {
            var byScore = y.Score.CompareTo(x.Score);
            return byScore != 0 ? byScore : x.Left.CompareTo(y.Left);
        }
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization.Reassembly;

/// <summary>
/// Scores of every candidate merge (a, b), a from the even channels (set A), b from the odd ones
/// (set B), as the reference's bipartite matching does; computed once per reassembly point and
/// reused for every threshold, since only the mask of disassembled channels changes.
/// </summary>
internal sealed class PairScores
{
    private readonly double[] _scores;

    private PairScores(int channels, double[] scores)
    {
        Channels = channels;
        SetA = (channels + 1) / 2;
        SetB = channels / 2;
        _scores = scores;
    }

    /// <summary>C.</summary>
    public int Channels { get; }

    /// <summary>|A|: channels 0, 2, 4, ...</summary>
    public int SetA { get; }

    /// <summary>|B|: channels 1, 3, 5, ...</summary>
    public int SetB { get; }

    /// <summary>Score of merging channel 2i into channel 2j + 1.</summary>
    public double this[int i, int j] => _scores[(i * SetB) + j];

    /// <summary>Scores from activations [N, C] and the concatenated consumer weights [O, C].</summary>
    public static PairScores Compute(Tensor x, Tensor weight, AssemblyScore kind)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        int channels = (int)x.shape[1];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        // Float64: exact duplicate channels must score (all but) zero, and ‖x_a‖² + ‖x_b‖² − 2 x_a·x_b
        // cancels catastrophically in float32 for near-equal channels.
        var x64 = x.to(ScalarType.Float64);
        var w64 = weight.to(ScalarType.Float64);
        var even = arange(0, channels, 2, dtype: ScalarType.Int64, device: x.device);
        var odd = arange(1, channels, 2, dtype: ScalarType.Int64, device: x.device);
        var distance2 = SquaredDistances(x64.index_select(1, even), x64.index_select(1, odd));
        Tensor result;
        if (kind == AssemblyScore.Reference)
        {
            var columnSums = w64.sum([0]);
            var pairSums = columnSums.index_select(0, even).unsqueeze(1) + columnSums.index_select(0, odd).unsqueeze(0);
            result = pairSums.square() * distance2;
        }
        else
        {
            result = SquaredDistances(w64.index_select(1, even), w64.index_select(1, odd)) * distance2 / 4;
        }

        return new PairScores(channels, result.cpu().contiguous().data<double>().ToArray());
    }

    /// <summary>
    /// Merges for E extra channels: every non-disassembled a takes its best non-disassembled b,
    /// and the E a's with the lowest scores merge (several may land on the same b). Ties go to the
    /// lower channel index, so the result depends on the inputs only.
    /// </summary>
    /// <returns>The assembly, or null when fewer than E channels of A can merge.</returns>
    public ChannelAssembly? Match(IReadOnlyList<int> splits, int extra)
    {
        ArgumentNullException.ThrowIfNull(splits);
        var mergeInto = Enumerable.Repeat(-1, Channels).ToArray();
        if (extra == 0)
        {
            return new ChannelAssembly(mergeInto, []);
        }

        var edges = new List<(double Score, int A, int B)>(SetA);
        for (int i = 0; i < SetA; i++)
        {
            if (splits[2 * i] != 1)
            {
                continue;
            }

            int best = -1;
            double bestScore = double.PositiveInfinity;
            for (int j = 0; j < SetB; j++)
            {
                double s = _scores[(i * SetB) + j];
                if (splits[(2 * j) + 1] == 1 && (best < 0 || s < bestScore))
                {
                    best = j;
                    bestScore = s;
                }
            }

            if (best >= 0)
            {
                edges.Add((bestScore, 2 * i, (2 * best) + 1));
            }
        }

        if (edges.Count < extra)
        {
            return null;
        }

        edges.Sort((p, q) => p.Score != q.Score ? p.Score.CompareTo(q.Score) : p.A.CompareTo(q.A));
        var chosen = new double[extra];
        for (int e = 0; e < extra; e++)
        {
            mergeInto[edges[e].A] = edges[e].B;
            chosen[e] = edges[e].Score;
        }

        return new ChannelAssembly(mergeInto, chosen);
    }

    // ‖p_i − q_j‖² over the rows (tokens), clamped at zero against rounding.
    private static Tensor SquaredDistances(Tensor p, Tensor q) =>
        (p.square().sum([0]).unsqueeze(1) + q.square().sum([0]).unsqueeze(0) - (2 * p.t().matmul(q))).clamp_min(0);
}

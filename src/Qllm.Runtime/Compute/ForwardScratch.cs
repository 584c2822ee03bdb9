using System.Runtime.CompilerServices;
using Qllm.Artifacts.Schema;

namespace Qllm.Runtime.Compute;

/// <summary>
/// The working buffers of one sequence's forward pass, kept with its <see cref="InferenceState"/>
/// and sized for the number of tokens of the last call: decode feeds one token at a time, so after
/// the first step every step reuses them and allocates nothing. Not shared between sequences (the
/// weights are), so concurrent sequences do not meet here.
/// </summary>
internal sealed class ForwardScratch(LlamaConfig config)
{
    private readonly List<PreparedInput> _prepared = [];
    private float[][] _logits = [[]];

    /// <summary>Tokens the buffers are sized for (−1: none yet).</summary>
    public int Tokens { get; private set; } = -1;

    /// <summary>[tokens × dim] residual stream.</summary>
    public float[] Hidden { get; private set; } = [];

    /// <summary>[tokens × dim] normed input of a layer's products, then attention's merged heads.</summary>
    public float[] Normed { get; private set; } = [];

    /// <summary>[tokens × dim] output of o_proj and down_proj before their residual.</summary>
    public float[] Attended { get; private set; } = [];

    /// <summary>[tokens × dim] queries.</summary>
    public float[] Query { get; private set; } = [];

    /// <summary>[tokens × hidden] gate, then SiLU(gate)·up.</summary>
    public float[] Gate { get; private set; } = [];

    /// <summary>q, k and v: the outputs of the q/k/v group.</summary>
    public float[][] QueryKeyValue { get; private set; } = [];

    /// <summary>The attended output alone, as a group's outputs.</summary>
    public float[][] AttendedOutput { get; private set; } = [];

    /// <summary>gate and up: the outputs of the gate/up group.</summary>
    public float[][] GateUp { get; private set; } = [];

    public LinearWork Linear { get; } = new();

    public HeadPreparation Heads { get; } = new();

    public AttentionWork Attention { get; } = new();

    public SwiGluWork SwiGlu { get; } = new();

    /// <summary>Sizes the buffers for <paramref name="tokens"/> tokens (a no-op when they already are).</summary>
    public void Ensure(int tokens)
    {
        if (tokens == Tokens)
        {
            return;
        }

        int dim = config.Dim, kvDim = config.KvDim, hidden = config.HiddenDim;
        Hidden = new float[tokens * dim];
        Normed = new float[tokens * dim];
        Attended = new float[tokens * dim];
        Query = new float[tokens * dim];
        Gate = new float[tokens * hidden];
        QueryKeyValue = [Query, new float[tokens * kvDim], new float[tokens * kvDim]];
        AttendedOutput = [Attended];
        GateUp = [Gate, new float[tokens * hidden]];
        _prepared.Clear();
        Tokens = tokens;
    }

    /// <summary>The prepared-input buffer for <paramref name="tokens"/> rows of a group's input point (one per shape, shared by the groups in turn).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PreparedInput Prepared(InputPoint point, int tokens)
    {
        foreach (var prepared in _prepared)
        {
            if (prepared.Tokens == tokens && prepared.Columns == point.Columns && prepared.Integer == point.Integer)
            {
                return prepared;
            }
        }

        var added = new PreparedInput(tokens, point.Columns, point.Integer);
        _prepared.Add(added);
        return added;
    }

    /// <summary>
    /// The logits buffer for <paramref name="rows"/> positions, as the classifier's outputs: reused
    /// while the row count stays (a vocabulary's row is a large-object-heap array, which would cost
    /// a full collection every few hundred tokens), so the next call of the same shape overwrites it.
    /// </summary>
    public float[][] Logits(int rows)
    {
        if (_logits[0].Length != rows * config.VocabSize)
        {
            _logits = [new float[rows * config.VocabSize]];
        }

        return _logits;
    }
}

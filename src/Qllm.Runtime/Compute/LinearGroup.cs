using System.Runtime.CompilerServices;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Linears that read the same input (q/k/v, gate/up, or one alone): their input is prepared once
/// and all their rows are shared out among the workers in one parallel pass.
/// </summary>
internal sealed class LinearGroup
{
    private readonly WeightMatrix[] _matrices;
    private readonly int[] _rowOffsets;

    public LinearGroup(InputPoint input, params WeightMatrix[] matrices)
    {
        Input = input;
        _matrices = matrices;
        _rowOffsets = new int[matrices.Length + 1];
        for (int i = 0; i < matrices.Length; i++)
        {
            if (matrices[i].Columns != input.Columns || matrices[i].PackedLayout != matrices[0].PackedLayout)
            {
                throw new ArgumentException("the linears of a group must read the same prepared input", nameof(matrices));
            }

            _rowOffsets[i + 1] = _rowOffsets[i] + matrices[i].Rows;
        }
    }

    public InputPoint Input { get; }

    public IReadOnlyList<WeightMatrix> Matrices => _matrices;

    public long Bytes => Input.Bytes + _matrices.Sum(m => m.Bytes);

    /// <summary>
    /// Runs every linear on <paramref name="x"/> ([tokens × Input.InputColumns]); output i is
    /// [tokens × Rows of linear i]. The prepared input and the work item come from <paramref name="scratch"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(ReadOnlySpan<float> x, int tokens, float[][] outputs, Workers workers, ForwardScratch scratch, ForwardStage stage = ForwardStage.LayerProducts)
    {
        long started = ForwardProfile.Start();
        var prepared = Input.Prepare(x, tokens, scratch.Prepared(Input, tokens));
        ForwardProfile.Stop(ForwardStage.PrepareInputs, started);
        started = ForwardProfile.Start();
        var work = scratch.Linear;
        work.Set(_matrices, _rowOffsets, prepared, outputs);
        workers.For(_rowOffsets[^1], (long)tokens * Input.Columns, work);
        ForwardProfile.Stop(stage, started);
    }
}

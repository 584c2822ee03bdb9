using System.Runtime.CompilerServices;

namespace Qllm.Runtime.Compute;

/// <summary>The rows of a <see cref="LinearGroup"/>'s products, as the workers share them out; refilled for every call.</summary>
internal sealed class LinearWork : RowWork
{
    private WeightMatrix[] _matrices = [];
    private int[] _rowOffsets = [0];
    private PreparedInput? _input;
    private float[][] _outputs = [];

    /// <summary>A multiple of the products' four-row blocks (see <see cref="RowWork.Granularity"/>).</summary>
    public override int Granularity => 16;

    public void Set(WeightMatrix[] matrices, int[] rowOffsets, PreparedInput input, float[][] outputs)
    {
        _matrices = matrices;
        _rowOffsets = rowOffsets;
        _input = input;
        _outputs = outputs;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int start, int end, int worker)
    {
        for (int i = 0; i < _matrices.Length; i++)
        {
            int from = Math.Max(start, _rowOffsets[i]), to = Math.Min(end, _rowOffsets[i + 1]);
            if (from < to)
            {
                _matrices[i].Multiply(_input!, _outputs[i], from - _rowOffsets[i], to - _rowOffsets[i]);
            }
        }
    }
}

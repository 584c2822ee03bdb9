using static TorchSharp.torch;

namespace Qllm.Engine.Quantization.Gptq;

/// <summary>
/// The grid GPTQ rounds a weight's columns to: the scales and zeros of each row's ranges [rows,
/// groups] in float64, and the range of each column in the order GPTQ visits them. A block of
/// columns gets its grid when it is rounded, rather than from a [rows, columns] copy of the grid
/// made up front (twice the size of the weight in float64).
/// </summary>
internal sealed record ColumnGrid(Tensor Scales, Tensor Zeros, Tensor GroupOfColumn)
{
    /// <summary>The same grid with the columns visited in <paramref name="permutation"/>'s order.</summary>
    public ColumnGrid Permuted(Tensor permutation) => this with { GroupOfColumn = GroupOfColumn.index_select(0, permutation) };

    /// <summary>Scales and zeros [rows, count] of the <paramref name="count"/> columns visited from <paramref name="first"/> on.</summary>
    public (Tensor Scale, Tensor Zero) Columns(long first, long count)
    {
        var groups = GroupOfColumn.narrow(0, first, count);
        return (Scales.index_select(1, groups), Zeros.index_select(1, groups));
    }
}

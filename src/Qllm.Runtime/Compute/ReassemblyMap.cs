using System.Runtime.CompilerServices;

namespace Qllm.Runtime.Compute;

/// <summary>
/// QLLM's channel reassembly of one linear input, in CSR form: output channel j is
/// Σ coefficients[k]·x[sources[k]] for k in offsets[j] .. offsets[j+1] − 1 (a split channel is one
/// member with coefficient 1/T, a merged one k members with 1/k each).
/// </summary>
internal sealed class ReassemblyMap
{
    private readonly int[] _offsets;
    private readonly int[] _sources;
    private readonly float[] _coefficients;

    public ReassemblyMap(int[] offsets, int[] sources, float[] coefficients, int inputColumns, string source)
    {
        bool valid = offsets.Length >= 2 && offsets[0] == 0 && offsets[^1] == sources.Length && sources.Length == coefficients.Length;
        for (int j = 1; valid && j < offsets.Length; j++)
        {
            valid = offsets[j] >= offsets[j - 1];
        }

        if (!valid || Array.Exists(sources, s => (uint)s >= (uint)inputColumns) || Array.Exists(coefficients, c => !float.IsFinite(c)))
        {
            throw Qllm.Artifacts.Container.ArtifactErrors.Bad(source, $"a reassembly map is not a valid CSR map over {inputColumns} channels");
        }

        _offsets = offsets;
        _sources = sources;
        _coefficients = coefficients;
    }

    /// <summary>Channels after reassembly.</summary>
    public int Columns => _offsets.Length - 1;

    /// <summary>Bytes the map takes in memory.</summary>
    public long Bytes => (_offsets.Length + _sources.Length + _coefficients.Length) * 4L;

    /// <summary>Writes the reassembled channels of one token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(ReadOnlySpan<float> x, Span<float> reassembled)
    {
        for (int j = 0; j < reassembled.Length; j++)
        {
            float sum = 0;
            for (int k = _offsets[j]; k < _offsets[j + 1]; k++)
            {
                sum += _coefficients[k] * x[_sources[k]];
            }

            reassembled[j] = sum;
        }
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization.Reassembly;

/// <summary>
/// A channel reassembly at one point of the model: C input channels become C reassembled
/// channels, reassembled_j = Σ_s coef_s · x[src_s], and the consuming weight's column j becomes
/// Σ_s W[:, src_s] (unit multipliers). Stored as CSR over the output channels: the sources of
/// output j are <c>Sources[Offsets[j]..Offsets[j + 1]]</c>.
/// </summary>
/// <remarks>
/// A split (disassembled) channel i appears in T_i outputs with coefficient 1/T_i; a merged
/// (assembled) output lists its k members with coefficient 1/k each; an untouched channel is one
/// source with coefficient 1. Every input channel must feed at least one output, otherwise the
/// weight columns of the dropped channel would be lost.
/// </remarks>
public sealed record ReassemblyMap
{
    private readonly int[] _offsets;
    private readonly int[] _sources;
    private readonly float[] _coefficients;

    // Output channel of each CSR entry (for the dense matrices).
    private readonly long[] _targets;

    // Applying the map is a gather of each output's first source, then a scatter-add of the E
    // further merge members only: index_add over all C + E entries along the channel dimension is
    // several times slower on the CPU than the gather.
    private readonly long[] _firstSources;
    private readonly float[] _firstCoefficients;
    private readonly long[] _restSources;
    private readonly float[] _restCoefficients;
    private readonly long[] _restTargets;

    /// <summary>Builds and validates a map.</summary>
    /// <param name="channels">C, the number of input and output channels.</param>
    /// <param name="offsets">C + 1 entries: the sources of output j are at [offsets[j], offsets[j + 1]).</param>
    /// <param name="sources">Input channel of each entry, in [0, C).</param>
    /// <param name="coefficients">Activation multiplier of each entry.</param>
    /// <exception cref="ArgumentException">The arrays do not describe a valid map.</exception>
    public ReassemblyMap(int channels, int[] offsets, int[] sources, float[] coefficients)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(coefficients);
        Validate(channels, offsets, sources, coefficients);

        // Copies: a record's value must not change because a caller reused its arrays.
        Channels = channels;
        _offsets = (int[])offsets.Clone();
        _sources = (int[])sources.Clone();
        _coefficients = (float[])coefficients.Clone();
        _targets = new long[sources.Length];
        for (int j = 0; j < channels; j++)
        {
            for (int e = offsets[j]; e < offsets[j + 1]; e++)
            {
                _targets[e] = j;
            }
        }

        _firstSources = [.. Enumerable.Range(0, channels).Select(j => (long)sources[offsets[j]])];
        _firstCoefficients = [.. Enumerable.Range(0, channels).Select(j => coefficients[offsets[j]])];
        var rest = Enumerable.Range(0, sources.Length).Where(e => e != offsets[_targets[e]]).ToArray();
        _restSources = [.. rest.Select(e => (long)sources[e])];
        _restCoefficients = [.. rest.Select(e => coefficients[e])];
        _restTargets = [.. rest.Select(e => _targets[e])];

        IsIdentity = sources.Length == channels && Enumerable.Range(0, channels).All(j => sources[j] == j && coefficients[j] == 1f);
    }

    /// <summary>C, the number of input and output channels.</summary>
    public int Channels { get; }

    /// <summary>CSR row pointers, C + 1 entries (a copy).</summary>
    public IReadOnlyList<int> Offsets => _offsets;

    /// <summary>Input channel of each entry (a copy's view).</summary>
    public IReadOnlyList<int> Sources => _sources;

    /// <summary>Activation multiplier of each entry.</summary>
    public IReadOnlyList<float> Coefficients => _coefficients;

    /// <summary>Whether the map leaves every channel as it is.</summary>
    public bool IsIdentity { get; }

    /// <summary>
    /// Channels added by disassembly, which equals the channels removed by assembly: every input
    /// feeds at least one output, so the entries beyond one per input are the extra sub-channels.
    /// </summary>
    public int ExtraChannels => _sources.Length - Channels;

    /// <summary>The map that changes nothing.</summary>
    public static ReassemblyMap Identity(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        return new ReassemblyMap(channels, [.. Enumerable.Range(0, channels + 1)], [.. Enumerable.Range(0, channels)], [.. Enumerable.Repeat(1f, channels)]);
    }

    /// <summary>Sources of output channel <paramref name="output"/> with their coefficients.</summary>
    public IEnumerable<(int Source, float Coefficient)> Members(int output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(output);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(output, Channels);
        for (int e = _offsets[output]; e < _offsets[output + 1]; e++)
        {
            yield return (_sources[e], _coefficients[e]);
        }
    }

    /// <summary>Dense [C, C] matrix A with A[src, j] = coef, so that x' = x.matmul(A).</summary>
    public Tensor ActivationMatrix(Device device) => Dense(device, useCoefficients: true);

    /// <summary>Dense [C, C] matrix S with S[src, j] = 1 for each entry, so that W' = W.matmul(S).</summary>
    public Tensor WeightMatrix(Device device) => Dense(device, useCoefficients: false);

    /// <summary>Reassembles activations [..., C] (any leading dimensions).</summary>
    public Tensor ApplyToActivations(Tensor x) => Apply(x, useCoefficients: true);

    /// <summary>Reassembles a consuming weight [out, C]: column j becomes the sum of its sources' columns.</summary>
    public Tensor ApplyToWeight(Tensor weight) => Apply(weight, useCoefficients: false);

    /// <inheritdoc />
    public bool Equals(ReassemblyMap? other) =>
        other is not null && Channels == other.Channels && _offsets.AsSpan().SequenceEqual(other._offsets)
        && _sources.AsSpan().SequenceEqual(other._sources) && _coefficients.AsSpan().SequenceEqual(other._coefficients);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Channels);
        foreach (int s in _sources)
        {
            hash.Add(s);
        }

        foreach (float c in _coefficients)
        {
            hash.Add(c);
        }

        return hash.ToHashCode();
    }

    private Tensor Apply(Tensor x, bool useCoefficients)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() < 1 || x.shape[^1] != Channels)
        {
            throw new ArgumentException($"expected {Channels} channels in the last dimension, got shape [{string.Join(", ", x.shape)}]", nameof(x));
        }

        using var scope = NewDisposeScope();
        long last = x.dim() - 1;
        var output = x.index_select(last, tensor(_firstSources, device: x.device));
        if (useCoefficients)
        {
            output = output * tensor(_firstCoefficients, device: x.device).to(x.dtype);
        }

        if (_restSources.Length > 0)
        {
            var members = x.index_select(last, tensor(_restSources, device: x.device));
            if (useCoefficients)
            {
                members = members * tensor(_restCoefficients, device: x.device).to(x.dtype);
            }

            output.index_add_(last, tensor(_restTargets, device: x.device), members, 1);
        }

        return output.MoveToOuterDisposeScope();
    }

    private Tensor Dense(Device device, bool useCoefficients)
    {
        var values = new float[Channels * Channels];
        for (int e = 0; e < _sources.Length; e++)
        {
            values[(_sources[e] * Channels) + _targets[e]] += useCoefficients ? _coefficients[e] : 1f;
        }

        using var cpu = tensor(values, [Channels, Channels]);
        return cpu.to(device);
    }

    private static void Validate(int channels, int[] offsets, int[] sources, float[] coefficients)
    {
        if (channels <= 0)
        {
            throw new ArgumentException($"a map needs at least one channel, got {channels}", nameof(channels));
        }

        if (offsets.Length != channels + 1 || offsets[0] != 0 || offsets[^1] != sources.Length)
        {
            throw new ArgumentException($"offsets must have {channels + 1} entries from 0 to the {sources.Length} sources", nameof(offsets));
        }

        if (coefficients.Length != sources.Length)
        {
            throw new ArgumentException($"{coefficients.Length} coefficients for {sources.Length} sources", nameof(coefficients));
        }

        var covered = new bool[channels];
        for (int j = 0; j < channels; j++)
        {
            if (offsets[j + 1] <= offsets[j])
            {
                throw new ArgumentException($"output channel {j} has no source", nameof(offsets));
            }

            for (int e = offsets[j]; e < offsets[j + 1]; e++)
            {
                int s = sources[e];
                if (s < 0 || s >= channels)
                {
                    throw new ArgumentException($"source {s} of output channel {j} is outside [0, {channels})", nameof(sources));
                }

                for (int f = offsets[j]; f < e; f++)
                {
                    if (sources[f] == s)
                    {
                        throw new ArgumentException($"output channel {j} lists source {s} twice", nameof(sources));
                    }
                }

                if (!float.IsFinite(coefficients[e]) || coefficients[e] == 0f)
                {
                    throw new ArgumentException($"coefficient {coefficients[e]} of output channel {j} must be finite and non-zero", nameof(coefficients));
                }

                covered[s] = true;
            }
        }

        int missing = Array.IndexOf(covered, false);
        if (missing >= 0)
        {
            throw new ArgumentException($"input channel {missing} feeds no output: its weight column would be lost", nameof(sources));
        }
    }
}

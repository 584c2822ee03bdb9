using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qllm.Runtime.Generation;

/// <summary>
/// Picks the next token from logits: argmax at temperature 0, else temperature softmax with
/// nucleus (top-p) truncation. Runs on the CPU in double precision with a seeded generator, so a
/// given seed picks the same tokens on any device.
/// </summary>
internal sealed class TokenSampler
{
    private readonly double _temperature;
    private readonly double _topP;
    private readonly Random _random;
    private readonly Comparison<int> _byProbability;
    private double[] _probabilities = [];
    private int[] _order = [];

    /// <summary>Creates a sampler: greedy at <paramref name="temperature"/> 0, else nucleus sampling seeded by <paramref name="seed"/>.</summary>
    public TokenSampler(double temperature, double topP, int seed)
    {
        _temperature = temperature;
        _topP = topP;
        _random = new Random(seed);
        _byProbability = ByProbability;
    }

    /// <summary>Chooses a token id from one position's logits.</summary>
    public int Next(ReadOnlySpan<float> logits)
    {
        if (_temperature <= 0)
        {
            return ArgMax(logits);
        }

        // The buffers (a vocabulary each, large-object-heap arrays) are the sampler's, not the token's.
        if (_probabilities.Length != logits.Length)
        {
            _probabilities = new double[logits.Length];
            _order = new int[logits.Length];
        }

        var probabilities = _probabilities;
        var order = _order;
        float max = logits[ArgMax(logits)];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = Math.Exp((logits[i] - max) / _temperature);
            sum += probabilities[i];
            order[i] = i;
        }

        Array.Sort(order, _byProbability);
        double kept = 0;
        int count = 0;
        while (count < order.Length && (count == 0 || kept < _topP * sum))
        {
            kept += probabilities[order[count++]];
        }

        double target = _random.NextDouble() * kept;
        for (int i = 0; i < count; i++)
        {
            target -= probabilities[order[i]];
            if (target <= 0)
            {
                return order[i];
            }
        }

        return order[count - 1];
    }

    /// <summary>The first index of the largest value: what a scalar scan with a strict comparison finds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int count = Vector256<float>.Count, whole = values.Length - (values.Length % count);
        if (!Vector256.IsHardwareAccelerated || whole == 0)
        {
            return ScalarArgMax(values);
        }

        // The largest value by vectors, then the first lane equal to it. NaN, which the strict
        // comparison skips and a vector maximum may not, sends the row to the scalar scan.
        ref float start = ref MemoryMarshal.GetReference(values);
        var maximum = Vector256.LoadUnsafe(ref start);
        var unordered = Vector256<float>.Zero;
        for (int i = 0; i < whole; i += count)
        {
            var v = Vector256.LoadUnsafe(ref start, (nuint)i);
            unordered |= ~Vector256.Equals(v, v);
            maximum = Vector256.Max(maximum, v);
        }

        float best = maximum[0];
        for (int k = 1; k < count; k++)
        {
            best = Math.Max(best, maximum[k]);
        }

        for (int i = whole; i < values.Length; i++)
        {
            unordered |= Vector256.Create(float.IsNaN(values[i]) ? -1f : 0f);
            best = Math.Max(best, values[i]);
        }

        if (unordered != Vector256<float>.Zero)
        {
            return ScalarArgMax(values);
        }

        // ±0 compare equal, as in the scalar scan, which keeps the first of them.
        var target = Vector256.Create(best);
        for (int i = 0; i < whole; i += count)
        {
            uint lanes = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), target).ExtractMostSignificantBits();
            if (lanes != 0)
            {
                return i + BitOperations.TrailingZeroCount(lanes);
            }
        }

        for (int i = whole; ; i++)
        {
            if (values[i] == best)
            {
                return i;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ScalarArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private int ByProbability(int a, int b) =>
        _probabilities[b].CompareTo(_probabilities[a]) is var c && c != 0 ? c : a.CompareTo(b);
}

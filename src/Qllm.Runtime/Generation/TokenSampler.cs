using System.Runtime.CompilerServices;

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

    /// <summary>Creates a sampler: greedy at <paramref name="temperature"/> 0, else nucleus sampling seeded by <paramref name="seed"/>.</summary>
    public TokenSampler(double temperature, double topP, int seed)
    {
        _temperature = temperature;
        _topP = topP;
        _random = new Random(seed);
    }

    /// <summary>Chooses a token id from one position's logits.</summary>
    public int Next(ReadOnlySpan<float> logits)
    {
        if (_temperature <= 0)
        {
            return ArgMax(logits);
        }

        var probabilities = new double[logits.Length];
        float max = logits[ArgMax(logits)];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = Math.Exp((logits[i] - max) / _temperature);
            sum += probabilities[i];
        }

        var order = Enumerable.Range(0, logits.Length).ToArray();
        Array.Sort(order, (a, b) => probabilities[b].CompareTo(probabilities[a]) is var c && c != 0 ? c : a.CompareTo(b));
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ArgMax(ReadOnlySpan<float> values)
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
}

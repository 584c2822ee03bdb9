using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Qllm.Engine.Evaluation;

/// <summary>
/// The scores of one predicted position from raw logits, in one pass over the vocabulary per model
/// and without materializing a log-softmax: with lse = max + log Σ exp(x − max),
/// the negative log-likelihood is lse_m − m[target], and
/// KL(P_r ‖ P_m) = Σ p_r·(r − m) − lse_r + lse_m (the log-softmax terms with Σ p_r = 1 taken out).
/// The exponentials are float (as a float32 log-softmax's are); every sum is in double.
/// </summary>
internal static class LogitRow
{
    /// <summary>The scores of a row of <paramref name="model"/> logits, against <paramref name="reference"/> logits when not empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RowScore Score(ReadOnlySpan<float> model, ReadOnlySpan<float> reference, int target)
    {
        float modelMax = Max(model);
        double modelLse = modelMax + Math.Log(SumExp(model, modelMax));
        double nll = modelLse - model[target];
        if (reference.IsEmpty)
        {
            return new RowScore(nll, 0, false);
        }

        float referenceMax = Max(reference);
        var (referenceSum, weighted) = SumExpAndWeightedDifference(reference, referenceMax, model);
        double kl = (weighted / referenceSum) - (referenceMax + Math.Log(referenceSum)) + modelLse;

        // The first maximal index of each, as torch's argmax picks.
        bool agree = model.IndexOf(modelMax) == reference.IndexOf(referenceMax);
        return new RowScore(nll, kl, agree);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Max(ReadOnlySpan<float> row)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && row.Length >= Vector256<float>.Count)
        {
            var best = Vector256.Create(float.NegativeInfinity);
            for (; i + Vector256<float>.Count <= row.Length; i += Vector256<float>.Count)
            {
                best = Vector256.Max(best, Vector256.Create(row.Slice(i, Vector256<float>.Count)));
            }

            for (int k = 0; k < Vector256<float>.Count; k++)
            {
                max = Math.Max(max, best.GetElement(k));
            }
        }

        for (; i < row.Length; i++)
        {
            max = Math.Max(max, row[i]);
        }

        return max;
    }

    // Σ exp(x − max), the exponentials in float, the sum in double.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumExp(ReadOnlySpan<float> row, float max)
    {
        int i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var shift = Vector256.Create(max);
            Vector256<double> total = default;
            for (; i + Vector256<float>.Count <= row.Length; i += Vector256<float>.Count)
            {
                var (low, high) = Vector256.Widen(Vector256.Exp(Vector256.Create(row.Slice(i, Vector256<float>.Count)) - shift));
                total += low + high;
            }

            sum = Vector256.Sum(total);
        }

        for (; i < row.Length; i++)
        {
            sum += MathF.Exp(row[i] - max);
        }

        return sum;
    }

    // Σ exp(r − max) and Σ exp(r − max)·(r − m), the differences and sums in double.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double Sum, double Weighted) SumExpAndWeightedDifference(ReadOnlySpan<float> reference, float max, ReadOnlySpan<float> model)
    {
        int i = 0;
        double sum = 0, weighted = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var shift = Vector256.Create(max);
            Vector256<double> total = default, products = default;
            for (; i + Vector256<float>.Count <= reference.Length; i += Vector256<float>.Count)
            {
                var r = Vector256.Create(reference.Slice(i, Vector256<float>.Count));
                var (low, high) = Vector256.Widen(Vector256.Exp(r - shift));
                var (rLow, rHigh) = Vector256.Widen(r);
                var (mLow, mHigh) = Vector256.Widen(Vector256.Create(model.Slice(i, Vector256<float>.Count)));
                total += low + high;
                products += (low * (rLow - mLow)) + (high * (rHigh - mHigh));
            }

            sum = Vector256.Sum(total);
            weighted = Vector256.Sum(products);
        }

        for (; i < reference.Length; i++)
        {
            double e = MathF.Exp(reference[i] - max);
            sum += e;
            weighted += e * ((double)reference[i] - model[i]);
        }

        return (sum, weighted);
    }
}

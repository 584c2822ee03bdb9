using System.Runtime.CompilerServices;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Root-mean-square norm of each token: x / sqrt(mean(x²) + eps) · weight, with the factor computed in
/// double and rounded once to float, as the engine computes it: the factor then does not depend on
/// the order of the sum, and the normed values (and their activation codes) are the engine's.
/// </summary>
internal static class RmsNorm
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, double eps, Span<float> output, int tokens)
    {
        int dim = weight.Length;
        for (int t = 0; t < tokens; t++)
        {
            var row = x.Slice(t * dim, dim);
            var destination = output.Slice(t * dim, dim);
            double sumOfSquares = 0;
            foreach (float value in row)
            {
                sumOfSquares += (double)value * value;
            }

            float inverse = (float)(1.0 / Math.Sqrt((sumOfSquares / dim) + eps));
            for (int j = 0; j < dim; j++)
            {
                destination[j] = (row[j] * inverse) * weight[j];
            }
        }
    }
}

namespace Qllm.Artifacts.Schema;

/// <summary>
/// The rotary inverse frequencies of a model, in one place: the engine's and the runtime's rotary
/// tables are both built from these values, so a rescaling cannot differ between them.
/// </summary>
public static class RotaryFrequencies
{
    /// <summary>
    /// θ^(−2i/headDim) for i = 0 .. headDim/2 − 1, rescaled as transformers'
    /// <c>_compute_llama3_parameters</c> does when <see cref="LlamaConfig.RopeScaling"/> is set: wavelengths
    /// (2π / frequency) longer than original/lowFreqFactor are divided by the factor, those shorter than
    /// original/highFreqFactor kept, and the band between interpolated by
    /// s = (original / wavelength − low) / (high − low) as (1 − s)·f/factor + s·f.
    /// Computed in double (transformers computes in float32; the difference is below float's precision of the angles).
    /// </summary>
    public static double[] Compute(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int half = config.HeadDim / 2;
        var frequencies = new double[half];
        for (int i = 0; i < half; i++)
        {
            frequencies[i] = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / config.HeadDim);
        }

        if (config.RopeScaling is { } scaling)
        {
            double lowFrequencyWavelength = scaling.OriginalContext / scaling.LowFreqFactor;
            double highFrequencyWavelength = scaling.OriginalContext / scaling.HighFreqFactor;
            for (int i = 0; i < half; i++)
            {
                double frequency = frequencies[i], wavelength = 2 * Math.PI / frequency;
                if (wavelength > lowFrequencyWavelength)
                {
                    frequencies[i] = frequency / scaling.Factor;
                }
                else if (wavelength >= highFrequencyWavelength)
                {
                    double smooth = ((scaling.OriginalContext / wavelength) - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                    frequencies[i] = ((1 - smooth) * frequency / scaling.Factor) + (smooth * frequency);
                }
            }
        }

        return frequencies;
    }
}

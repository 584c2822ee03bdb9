using Qllm.Core.Errors;

namespace Qllm.Engine.Quantization;

/// <summary>
/// Draws calibration samples from a text tokenized once without BOS: each sample is BOS followed by
/// seq_len − 1 consecutive text tokens from a random offset, so it looks like what the model sees
/// at inference (and like an evaluation window). Offsets come from the seed alone.
/// </summary>
public static class CalibrationSampler
{
    /// <summary>
    /// The longest calibration sample. Samples are a context long, up to this: the reference code
    /// and GPTQ calibrate LLaMA models on 2048 tokens, and a long-context model (Llama 3.1's 131072)
    /// calibrated on whole contexts would need hundreds of GB for its hidden states alone.
    /// </summary>
    public const int MaxSampleLength = 2048;

    /// <summary>The length of each calibration sample for a model whose context is <paramref name="contextLength"/> tokens.</summary>
    public static int SampleLength(int contextLength) => Math.Min(contextLength, MaxSampleLength);

    /// <summary>Returns <paramref name="samples"/> rows of <paramref name="seqLen"/> token ids, flattened row-major.</summary>
    public static long[] Sample(IReadOnlyList<int> textTokens, int seqLen, int samples, int seed, int bosId, string? textPath = null)
    {
        ArgumentNullException.ThrowIfNull(textTokens);
        int span = seqLen - 1;
        if (textTokens.Count < span)
        {
            throw new QllmException(ErrorCodes.BadText, textPath, $"the calibration text is {textTokens.Count} tokens, shorter than one sample of {span} tokens", "use a longer calibration text (`qllm setup` writes calibration.txt)");
        }

        var random = new Random(seed);
        var ids = new long[samples * seqLen];
        for (int s = 0; s < samples; s++)
        {
            int offset = random.Next(textTokens.Count - span + 1);
            ids[s * seqLen] = bosId;
            for (int i = 0; i < span; i++)
            {
                ids[(s * seqLen) + 1 + i] = textTokens[offset + i];
            }
        }

        return ids;
    }
}

using Qllm.Engine.Torch;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// How many calibration samples a forward pass over the calibration set takes at once: about
/// <see cref="Tokens"/> tokens, at least one sample. A layer's intermediates live until its forward
/// pass ends, so they scale with the chunk. On stories15M, chunks of 4 samples (1024 tokens)
/// instead of 16 took rotation + GPTQ's peak from 1161 to 855 MiB at the same speed and with the
/// same artifact; a 1B model's 2048-token samples then go one at a time.
/// </summary>
internal static class CalibrationChunk
{
    /// <summary>Tokens per chunk.</summary>
    public const int Tokens = 1024;

    /// <summary>Samples of <paramref name="tokensPerSample"/> tokens that make about <paramref name="tokens"/> tokens (a forward chunk by default), at least one.</summary>
    public static int Samples(long tokensPerSample, int tokens = Tokens) => (int)Math.Max(1, tokens / Math.Max(1, tokensPerSample));

    /// <summary>
    /// Called after each chunk of a pass: frees the chunk's <see cref="ImplicitScalars"/>, and hands
    /// the heap's freed blocks back to the system (<see cref="NativeHeap.ReleaseFreed"/>) when the
    /// chunk's hidden states [samples, tokens, dim] (<paramref name="values"/> of them) reach
    /// <see cref="LargeValues"/>. The heap is
    /// kept for its reuse (<see cref="NativeHeap"/>), but at a 1B model's 2048-token samples it grew
    /// by about 100 MB a chunk all the same, 1.5 to 2 GB over 16 samples, and that set the run's
    /// peak (rotation + GPTQ, one layer: 4.98 → 3.37 GiB, for a fifth more time). stories15M's
    /// chunks stay far below and keep the reuse.
    /// </summary>
    public static void ReleaseHeapAfter(long values)
    {
        if (values >= LargeValues)
        {
            NativeHeap.ReleaseFreed();
        }
        else
        {
            ImplicitScalars.Free();
        }
    }

    /// <summary>Values of a chunk's hidden states from which the heap is released after it (one 1024-token sample at dim 2048).</summary>
    public const long LargeValues = 1L << 21;
}

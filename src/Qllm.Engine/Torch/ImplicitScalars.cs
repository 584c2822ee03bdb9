namespace Qllm.Engine.Torch;

/// <summary>
/// Frees the native scalars TorchSharp makes for each number a tensor operation takes
/// (<c>x * 2.0</c>, <c>clamp(0, 15)</c>). TorchSharp frees them only in their finalizers, and no
/// dispose scope holds them; a forward pass makes too little managed garbage to start a collection,
/// so they pile up. Each is a few bytes, but glibc places them in the holes that a chunk's freed
/// tensors leave, and a hole split by one no longer takes the next chunk's tensor of the same size:
/// the heap grows instead. stories15M's first pass through quantized layers (their fake
/// quantization takes numbers) grew by about 4 MB a chunk, to a peak of 1252 MiB at 128 samples on
/// an AVX2 machine; freeing them after each chunk, 593 MiB. The scalars are young, so a
/// generation-0 collection finds them, and waiting for the finalizer thread frees them before the
/// next chunk allocates. Called after each chunk of a calibration pass, each GPTQ group, each
/// slice of a training step and each evaluation window the engine scores.
/// </summary>
internal static class ImplicitScalars
{
    /// <summary>Collects generation 0 and runs the finalizers it queued.</summary>
    public static void Free()
    {
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
    }
}

using System.Runtime.InteropServices;

namespace Qllm.Engine.Torch;

/// <summary>
/// Keeps libtorch's freed CPU tensors in the process's heap. glibc serves an allocation above its
/// mmap threshold (128 KB to start) with a fresh mapping and unmaps it on free, so every
/// intermediate tensor of a calibration or training step (megabytes each) is faulted in page by
/// page again, and a quantization spent about a sixth of its time in the kernel's page-fault path.
/// Raising the mmap threshold to glibc's maximum (32 MB on 64-bit) and the trim threshold to 2 GB
/// lets freed blocks be reused: measured 20% less wall on the rotation + GPTQ recipe, with the same
/// peak memory (docs/benchmarks.md). Tensors above 32 MB are still mapped and returned at once.
/// </summary>
internal static class NativeHeap
{
    // glibc's malloc.h: M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
    private const int TrimThreshold = -1;
    private const int MmapThreshold = -3;
    private const int MaximumMmapThreshold = 32 * 1024 * 1024;

    /// <summary>
    /// Sets the thresholds, on Linux with glibc; elsewhere it does nothing. Called by
    /// <see cref="TorchRuntime"/> once, under its lock, before libtorch starts.
    /// </summary>
    public static void KeepFreedBlocks()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = SetOption(MmapThreshold, MaximumMmapThreshold);
            _ = SetOption(TrimThreshold, int.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no mallopt): the allocator keeps its own policy.
        }
    }

    /// <summary>
    /// Hands the heap's free pages back to the system (glibc's <c>malloc_trim</c>), on Linux with
    /// glibc; elsewhere it does nothing. The freed blocks <see cref="KeepFreedBlocks"/> keeps are
    /// worth keeping while forward passes reuse them, but they would add to the peak of a phase that
    /// allocates large tensors instead (GPTQ's Hessians, the correction's training): at a 1B model's
    /// layer they were about a GB. The quantizer calls this where one kind of phase gives way to
    /// the other; it takes milliseconds. The <see cref="ImplicitScalars"/> go first, so that the
    /// blocks they split are whole again.
    /// </summary>
    public static void ReleaseFreed()
    {
        ImplicitScalars.Free();
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = Trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: nothing was kept.
        }
    }

    // DllImport, not LibraryImport: two ints need no marshalling code, and the engine stays free of unsafe code.
    [DllImport("libc", EntryPoint = "mallopt", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetOption(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Trim(nuint pad);
}

using System.Runtime.InteropServices;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Linux's madvise on the 2 MB-aligned part of a pinned array, through libc found at run time:
/// MADV_HUGEPAGE, then MADV_POPULATE_WRITE (Linux 5.14) so the pages are allocated in one call
/// rather than at one fault each. Hints only: where libc, the call or the advice is missing (or
/// the kernel refuses), the memory is ordinary and faults in as it is written.
/// </summary>
internal static unsafe class HugePages
{
    private const int AdviseHugePage = 14;
    private const int AdvisePopulateWrite = 23;
    /// <summary>A huge page's bytes.</summary>
    public const long Size = 2L << 20;

    private static readonly delegate* unmanaged<nint, nuint, int, int> Madvise = Find();

    /// <summary>The 2 MB-aligned part of <paramref name="pinned"/> (bytes from − to of it; empty where it has none).</summary>
    public static (long From, long To) Aligned(byte[] pinned)
    {
        long start = Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);
        long first = (start + Size - 1) & ~(Size - 1), end = (start + pinned.Length) & ~(Size - 1);
        return end > first ? (first - start, end - start) : (0, 0);
    }

    /// <summary>Asks for huge pages behind <paramref name="pinned"/>'s aligned part; it must not have been written yet.</summary>
    public static void Advise(byte[] pinned) => Call(pinned, Aligned(pinned), AdviseHugePage);

    /// <summary>
    /// Allocates the pages behind bytes <paramref name="range"/> of <paramref name="pinned"/> (2 MB
    /// multiples within its aligned part) now, in one call, rather than at one fault each.
    /// </summary>
    public static void Populate(byte[] pinned, (long From, long To) range) => Call(pinned, range, AdvisePopulateWrite);

    private static void Call(byte[] pinned, (long From, long To) range, int advice)
    {
        if (Madvise != null && range.To > range.From)
        {
            _ = Madvise(Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0) + (nint)range.From, (nuint)(range.To - range.From), advice);
        }
    }

    private static delegate* unmanaged<nint, nuint, int, int> Find()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        foreach (var name in new[] { "libc.so.6", "libc" })
        {
            if (NativeLibrary.TryLoad(name, out var library) && NativeLibrary.TryGetExport(library, "madvise", out var address))
            {
                return (delegate* unmanaged<nint, nuint, int, int>)address;
            }
        }

        return null;
    }
}

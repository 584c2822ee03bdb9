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
    private const long Size = 2L << 20;

    private static readonly delegate* unmanaged<nint, nuint, int, int> Madvise = Find();

    /// <summary>Backs <paramref name="pinned"/>, which must not have been written yet, with huge pages now.</summary>
    public static void Allocate(byte[] pinned)
    {
        if (Madvise == null || pinned.Length < Size)
        {
            return;
        }

        long start = Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);
        long first = (start + Size - 1) & ~(Size - 1);
        long end = (start + pinned.Length) & ~(Size - 1);
        if (end > first)
        {
            _ = Madvise((nint)first, (nuint)(end - first), AdviseHugePage);
            _ = Madvise((nint)first, (nuint)(end - first), AdvisePopulateWrite);
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

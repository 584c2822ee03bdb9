using System.Runtime.InteropServices;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Linux's madvise(MADV_HUGEPAGE) on the 2 MB-aligned part of a pinned array, through libc found at
/// run time: a hint, so where libc or the call is missing (or the kernel refuses) nothing happens.
/// </summary>
internal static unsafe class HugePages
{
    private const int AdviseHugePage = 14;
    private const long Size = 2L << 20;

    private static readonly delegate* unmanaged<nint, nuint, int, int> Madvise = Find();

    /// <summary>Asks for huge pages under <paramref name="pinned"/>, which must not have been written yet.</summary>
    public static void Advise(byte[] pinned)
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

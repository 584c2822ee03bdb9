using System.Runtime.InteropServices;

namespace Qllm.Core.IO;

/// <summary>
/// Which file a path names: its canonical path (every symbolic link resolved) and, on Linux, its
/// device and inode, so that two paths to one file compare equal through symbolic and hard links.
/// </summary>
internal static class FileIdentity
{
    // statx's struct is fixed by the kernel ABI (the same on every architecture), unlike stat's,
    // so reading it at fixed offsets is safe; 256 bytes is its full size.
    private const int StatxSize = 256;
    private const int StatxInodeOffset = 32;
    private const int StatxDeviceMajorOffset = 136;
    private const int StatxDeviceMinorOffset = 140;
    private const int AtCurrentDirectory = -100;
    private const uint StatxInode = 0x100;

    // Cleared the first time libc or statx is missing (musl without statx, old glibc): then paths alone decide.
    private static bool _statxAvailable = OperatingSystem.IsLinux();

    /// <summary>Whether <paramref name="first"/> and <paramref name="second"/> name the same file or folder.</summary>
    public static bool Same(string first, string second)
    {
        if (string.Equals(Canonical(first), Canonical(second), PathComparison))
        {
            return true;
        }

        return Inode(first) is { } a && Inode(second) is { } b && a == b;
    }

    /// <summary>The comparison of paths on this platform's usual file systems.</summary>
    public static StringComparison PathComparison =>
        OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    /// <summary>
    /// The absolute path with every symbolic link along it resolved; parts that do not exist are kept
    /// as written, so an output path that is not there yet still has a canonical form.
    /// </summary>
    public static string Canonical(string path) => Canonical(path, depth: 0);

    /// <summary>The device and inode of an existing file or folder on Linux, else null.</summary>
    public static (ulong DeviceMajor, ulong DeviceMinor, ulong Inode)? Inode(string path)
    {
        if (!_statxAvailable || !Path.Exists(path))
        {
            return null;
        }

        var buffer = new byte[StatxSize];
        try
        {
            if (Statx(AtCurrentDirectory, NullTerminatedUtf8(Path.GetFullPath(path)), 0, StatxInode, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _statxAvailable = false;
            return null;
        }

        return (BitConverter.ToUInt32(buffer, StatxDeviceMajorOffset), BitConverter.ToUInt32(buffer, StatxDeviceMinorOffset), BitConverter.ToUInt64(buffer, StatxInodeOffset));
    }

    private static string Canonical(string path, int depth)
    {
        var full = Path.GetFullPath(path);

        // A cycle of links; the OS refuses such paths too, so the path as written is as good as any.
        if (depth > 40)
        {
            return full;
        }

        var root = Path.GetPathRoot(full) ?? string.Empty;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            string? target;
            try
            {
                target = new FileInfo(current).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                target = null;
            }

            if (target is not null)
            {
                // A relative target is relative to the link's folder, which is already canonical.
                current = Canonical(Path.GetFullPath(target, Path.GetDirectoryName(current) ?? root), depth + 1);
            }
        }

        return current;
    }

    // Linux paths are bytes; UTF-8 is what .NET's own file APIs pass for them.
    private static byte[] NullTerminatedUtf8(string path)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int directory, byte[] path, int flags, uint mask, byte[] buffer);
}

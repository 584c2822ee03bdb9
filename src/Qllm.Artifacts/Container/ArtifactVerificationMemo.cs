using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Qllm.Core.IO;

namespace Qllm.Artifacts.Container;

/// <summary>
/// Remembers which artifact files passed the SHA-256 check, by full path, length and last write
/// time (as Qllm.Build remembers the digests of its inputs), so that opening an unchanged
/// multi-GB artifact again does not read every byte of it. One small file per artifact in a
/// folder (by default <c>verified</c> under the user's qllm cache folder). A file whose length,
/// write time or SHA-256 trailer differs from what was remembered is verified again before any
/// of its bytes are used. Everything here is best effort: a memo that cannot be read or written
/// only means verifying again.
/// </summary>
/// <remarks>
/// What it cannot see is a file changed in place with its length and write time put back (or bit
/// rot on the disk): <c>qllm cache verify</c> and <see cref="ArtifactReader.Open(string)"/> always
/// read the whole file.
/// </remarks>
public sealed class ArtifactVerificationMemo
{
    private const string Header = "qllm-verified-artifact 1";

    // A file written within this long before it was verified is not remembered: on a file system
    // with coarse write times (a second or two) it could be changed again without its write time
    // changing ("racily clean", as git calls it).
    private static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(3);

    /// <summary>A memo that keeps its entries in <paramref name="folder"/> (created when first written).</summary>
    public ArtifactVerificationMemo(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Folder = Path.GetFullPath(folder);
    }

    /// <summary>The folder the entries are kept in.</summary>
    public string Folder { get; }

    /// <summary>
    /// The current user's memo: <c>verified</c> under <c>$QLLM_CACHE_DIR</c>, else under
    /// <c>$XDG_CACHE_HOME/qllm</c>, else under <c>~/.cache/qllm</c> (the folder of qllm's artifact cache).
    /// </summary>
    public static ArtifactVerificationMemo ForCurrentUser() =>
        new(Path.Combine(UserFolder.Resolve(null, "QLLM_CACHE_DIR", "XDG_CACHE_HOME", ".cache", Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)), "verified"));

    /// <summary>
    /// The whole file's SHA-256 remembered for <paramref name="path"/> when its length and write
    /// time are those it was verified with and its trailer is the one it had; else null.
    /// </summary>
    internal string? Recall(string path, long length, long lastWriteUtcTicks, ReadOnlySpan<byte> trailer)
    {
        try
        {
            var entry = EntryPath(path);
            if (!File.Exists(entry))
            {
                return null;
            }

            var lines = File.ReadAllLines(entry);
            bool matches = lines.Length == 6
                && lines[0] == Header
                && lines[1] == path
                && lines[2] == length.ToString(CultureInfo.InvariantCulture)
                && lines[3] == lastWriteUtcTicks.ToString(CultureInfo.InvariantCulture)
                && lines[4] == Convert.ToHexStringLower(trailer)
                && lines[5].Length == 64;
            return matches ? lines[5] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Remembers that <paramref name="path"/>, at this length and write time, verified with this SHA-256 (unless it was written too recently to be sure).</summary>
    internal void Remember(string path, long length, long lastWriteUtcTicks, ReadOnlySpan<byte> trailer, string digest, DateTime verifiedUtc)
    {
        if (verifiedUtc - new DateTime(lastWriteUtcTicks, DateTimeKind.Utc) < RacyWindow)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Folder);
            AtomicFile.WriteAllText(EntryPath(path), string.Join('\n', Header, path, length.ToString(CultureInfo.InvariantCulture), lastWriteUtcTicks.ToString(CultureInfo.InvariantCulture), Convert.ToHexStringLower(trailer), digest) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or Qllm.Core.Errors.QllmException)
        {
            // Not remembered: the next open verifies again, which is only slower.
        }
    }

    // One entry per artifact, named by the SHA-256 of its full path (the path itself is inside, and
    // must match: a collision or a stale entry is just a miss).
    private string EntryPath(string path) =>
        Path.Combine(Folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..32] + ".txt");
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Qllm.IO;

namespace Qllm.Build.Tasks.Packages;

/// <summary>
/// The SHA-512 of .nupkg files, remembered by (path, length, last write time) in a small file under
/// obj/, so that checking a multi-GB model package against NuGet's record does not read it again on
/// every build. Changing a package's bytes changes its time, and the next build hashes it again.
/// </summary>
internal sealed class PackageHashes
{
    private readonly string? _path;
    private readonly Dictionary<string, (long Length, long Ticks, string Sha512)> _hashes;
    private bool _changed;

    private PackageHashes(string? path, Dictionary<string, (long, long, string)> hashes)
    {
        _path = path;
        _hashes = hashes;
    }

    /// <summary>How many packages were read and hashed (the others came from the file).</summary>
    public int FilesHashed { get; private set; }

    /// <summary>Loads the remembered hashes from <paramref name="path"/> (null: remember nothing); a missing or damaged file is an empty one.</summary>
    public static PackageHashes Load(string? path)
    {
        var hashes = new Dictionary<string, (long, long, string)>(StringComparer.Ordinal);
        try
        {
            foreach (var line in path is not null && File.Exists(path) ? File.ReadAllLines(path) : [])
            {
                // sha512, length, ticks, path: the path last, so nothing in it can split the line wrongly.
                var fields = line.Split('\t', 4);
                if (fields.Length == 4 && long.TryParse(fields[1], CultureInfo.InvariantCulture, out var length) && long.TryParse(fields[2], CultureInfo.InvariantCulture, out var ticks))
                {
                    hashes[fields[3]] = (length, ticks, fields[0]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A damaged file only costs hashing again.
            hashes.Clear();
        }

        return new PackageHashes(path, hashes);
    }

    /// <summary>The SHA-512 of <paramref name="nupkg"/>'s bytes, base64, as NuGet writes it in .nupkg.sha512.</summary>
    public string Sha512Of(string nupkg)
    {
        var info = new FileInfo(nupkg);
        var ticks = info.LastWriteTimeUtc.Ticks;
        if (_hashes.TryGetValue(nupkg, out var known) && known.Length == info.Length && known.Ticks == ticks)
        {
            return known.Sha512;
        }

        string sha512;
        using (var stream = new FileStream(nupkg, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20))
        {
            sha512 = Convert.ToBase64String(SHA512.HashData(stream));
        }

        FilesHashed++;
        _hashes[nupkg] = (info.Length, ticks, sha512);
        _changed = true;
        return sha512;
    }

    /// <summary>Writes the hashes back (atomically) when one was added or replaced.</summary>
    public void SaveIfChanged()
    {
        if (!_changed || _path is null)
        {
            return;
        }

        var text = new StringBuilder();
        foreach (var (nupkg, (length, ticks, sha512)) in _hashes.Where(h => File.Exists(h.Key)).OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{sha512}\t{length}\t{ticks}\t{nupkg}\n");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        AtomicFile.WriteAllText(_path, text.ToString());
        _changed = false;
    }
}

using Qllm.Engine.Errors;

namespace Qllm.Engine.SafeTensors;

/// <summary>
/// Writes a file under a temporary name beside it and renames it into place, so that readers never see
/// a half-written model file and a failed write leaves any previous file intact.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>.</summary>
    /// <exception cref="QllmException">The file cannot be written (<see cref="ErrorCodes.OutputNotWritable"/>).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException("The path names no folder.", nameof(path));
        var temporary = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);

                // On disk before the rename, so a crash cannot leave the final name on an empty file.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new QllmException(
                ErrorCodes.OutputNotWritable,
                path,
                $"the file cannot be written ({e.Message})",
                "check that the folder exists and is writable, and that the disk has room",
                e);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write already failed; that error is the one to report, not this clean-up's.
        }
    }
}

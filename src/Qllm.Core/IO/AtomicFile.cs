using System.Text;
using Qllm.Core.Errors;

namespace Qllm.Core.IO;

/// <summary>
/// Writes a file under a temporary name in the same folder and renames it into place, so a
/// process killed half-way never leaves a file that looks complete under its real name, and a
/// failed write leaves any previous file intact.
/// </summary>
public static class AtomicFile
{
    /// <summary>A fresh temporary name beside <paramref name="finalPath"/>; same folder, so the rename cannot cross file systems.</summary>
    public static string TemporaryPathFor(string finalPath) =>
        $"{finalPath}.{Guid.NewGuid():N}.partial";

    /// <summary>Opens a new temporary file for writing beside <paramref name="finalPath"/>.</summary>
    public static FileStream CreateTemporary(string finalPath, out string temporaryPath)
    {
        temporaryPath = TemporaryPathFor(finalPath);
        try
        {
            return new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(finalPath, e);
        }
    }

    /// <summary>Renames a finished temporary file onto its real name, replacing what was there.</summary>
    public static void Commit(string temporaryPath, string finalPath)
    {
        try
        {
            File.Move(temporaryPath, finalPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Discard(temporaryPath);
            throw NotWritable(finalPath, e);
        }
    }

    /// <summary>Writes <paramref name="finalPath"/> through <paramref name="write"/>, atomically.</summary>
    /// <exception cref="QllmException">The file cannot be written (<see cref="ErrorCodes.OutputNotWritable"/>).</exception>
    public static void Write(string finalPath, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var stream = CreateTemporary(finalPath, out var temporaryPath);
        try
        {
            using (stream)
            {
                write(stream);

                // On disk before the rename, so a crash cannot leave the final name on an empty file.
                stream.Flush(flushToDisk: true);
            }
        }
        catch (Exception e)
        {
            Discard(temporaryPath);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw NotWritable(finalPath, e);
            }

            throw;
        }

        Commit(temporaryPath, finalPath);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte order mark) under <paramref name="finalPath"/>, atomically.</summary>
    public static void WriteAllText(string finalPath, string text) =>
        Write(finalPath, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text)));

    /// <summary>Deletes a temporary file left by a failed step; failing to delete it is not worth a second error.</summary>
    public static void Discard(string temporaryPath)
    {
        try
        {
            File.Delete(temporaryPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The .partial name already says it is not a finished file.
        }
    }

    /// <summary>The error for a path that cannot be written.</summary>
    public static QllmException NotWritable(string path, Exception inner) =>
        new(ErrorCodes.OutputNotWritable, path, $"cannot write the file ({inner.Message})",
            "check that the folder exists and is writable, and that the disk has room", inner);
}

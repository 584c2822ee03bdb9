using System.Text;
using Qllm.Engine.Errors;

namespace Qllm.Engine.Setup;

/// <summary>
/// Writes a file under a temporary name in the same folder and renames it into place, so a setup
/// killed half-way never leaves a file that looks complete under its real name.
/// </summary>
internal static class AtomicFile
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

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte order mark) under <paramref name="finalPath"/>, atomically.</summary>
    public static void WriteAllText(string finalPath, string text)
    {
        var stream = CreateTemporary(finalPath, out var temporaryPath);
        try
        {
            using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                writer.Write(text);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            Discard(temporaryPath);
            throw NotWritable(finalPath, e);
        }

        Commit(temporaryPath, finalPath);
    }

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

    public static QllmException NotWritable(string path, Exception inner) =>
        new(ErrorCodes.OutputNotWritable, path, $"cannot write the setup data: {inner.Message}",
            "choose a writable folder with --data-dir or QLLM_DATA_DIR, or fix the folder's permissions and free space", inner);
}

using Qllm.Core.Errors;

namespace Qllm.Core.IO;

/// <summary>
/// Checks on an output path made before any work: that it is none of the run's inputs, and that
/// its folder can be written. A run that fails these after minutes of work, or that replaces its
/// own input, is what they prevent.
/// </summary>
public static class OutputPaths
{
    /// <summary>
    /// Refuses <paramref name="output"/> when it is <paramref name="input"/>, or a file inside the
    /// folder <paramref name="input"/>, by canonical path (symbolic links resolved) and on Linux by
    /// device and inode (hard links).
    /// </summary>
    /// <param name="output">The file or folder a run will write.</param>
    /// <param name="input">An input of the run: a file or a folder.</param>
    /// <param name="role">What the input is, for the message: "the model", "the tokenizer", ...</param>
    /// <exception cref="QllmException">The output is the input (<see cref="ErrorCodes.OutputNotWritable"/>).</exception>
    public static void RefuseInput(string output, string input, string role)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(input);
        if (FileIdentity.Same(output, input))
        {
            throw Overwrites(output, input, role);
        }

        if (!Directory.Exists(input) || !File.Exists(output))
        {
            return;
        }

        // Only an existing output can be one of the folder's files; a new one is written beside them.
        foreach (var file in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories))
        {
            if (FileIdentity.Same(output, file))
            {
                throw Overwrites(output, file, $"a file of {role}");
            }
        }
    }

    /// <summary>
    /// Creates the folder of the file <paramref name="output"/> when missing and writes and deletes a
    /// small file there, so that a read-only folder or a full disk is found before the work.
    /// </summary>
    /// <param name="output">The file a run will write.</param>
    /// <exception cref="QllmException">The folder cannot be created or written (<see cref="ErrorCodes.OutputNotWritable"/>).</exception>
    public static void RequireWritable(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var full = Path.GetFullPath(output);
        var folder = Path.GetDirectoryName(full) ?? full;
        var probe = $"{full}.{Guid.NewGuid():N}.probe";
        try
        {
            Directory.CreateDirectory(folder);
            using var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);

            // A byte flushed to disk, not just a name: a full disk still has room for empty files.
            stream.WriteByte(0);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            AtomicFile.Discard(probe);
            throw new QllmException(
                ErrorCodes.OutputNotWritable,
                folder,
                $"the output folder cannot be written ({e.Message.TrimEnd('.')})",
                "choose an output path in a folder you can write to, on a disk with free space",
                e);
        }
    }

    private static QllmException Overwrites(string output, string input, string role) =>
        new(
            ErrorCodes.OutputNotWritable,
            output,
            string.Equals(Path.GetFullPath(output), Path.GetFullPath(input), FileIdentity.PathComparison)
                ? $"the output is {role} ({input}); writing it would destroy the input"
                : $"the output is {role} ({input}) through a link; writing it would destroy the input",
            "choose another output path");
}

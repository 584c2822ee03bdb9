using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Qllm.Core.Errors;
using Qllm.Core.IO;

namespace Qllm.Setup;

/// <summary>
/// Cuts the checkpoint and the tokenizer out of the model package's data file, streaming from the
/// gzip through to the two files so neither is ever held in memory whole.
/// </summary>
internal static class ModelExtractor
{
    private const int BufferSize = 1 << 20;

    /// <summary>
    /// Writes <paramref name="paths"/>' model and tokenizer from <paramref name="tarballPath"/>;
    /// both are renamed into place only after both digests matched.
    /// </summary>
    public static async Task ExtractAsync(string tarballPath, SetupPaths paths, SetupSources sources, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(tarballPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.Name == sources.ModelEntry && entry.DataStream is { } data)
            {
                await SplitAsync(data, entry.Length, tarballPath, paths, sources, cancellationToken);
                return;
            }
        }

        throw new QllmException(ErrorCodes.SetupFailed, tarballPath,
            $"the package {sources.ModelPackage} has no {sources.ModelEntry}",
            "the npm package is not the one setup expects; clear npm's cache (npm cache clean --force) and run qllm setup again");
    }

    private static async Task SplitAsync(Stream data, long length, string tarballPath, SetupPaths paths, SetupSources sources, CancellationToken cancellationToken)
    {
        if (length <= sources.ModelLength)
        {
            throw new QllmException(ErrorCodes.SetupFailed, tarballPath,
                $"{sources.ModelEntry} is {length} bytes, too short to hold the {sources.ModelLength}-byte checkpoint and a tokenizer",
                "clear npm's cache (npm cache clean --force) and run qllm setup again");
        }

        string? modelTemporary = null;
        string? tokenizerTemporary = null;
        try
        {
            string modelDigest;
            await using (var model = AtomicFile.CreateTemporary(paths.Model, out var temporary))
            {
                modelTemporary = temporary;
                modelDigest = await CopyHashedAsync(data, model, sources.ModelLength, cancellationToken);
            }

            string tokenizerDigest;
            await using (var tokenizer = AtomicFile.CreateTemporary(paths.Tokenizer, out var temporary))
            {
                tokenizerTemporary = temporary;
                tokenizerDigest = await CopyHashedAsync(data, tokenizer, length - sources.ModelLength, cancellationToken);
            }

            Check(modelDigest, sources.ModelSha256, paths.Model, sources);
            Check(tokenizerDigest, sources.TokenizerSha256, paths.Tokenizer, sources);
            AtomicFile.Commit(modelTemporary, paths.Model);
            modelTemporary = null;
            AtomicFile.Commit(tokenizerTemporary, paths.Tokenizer);
            tokenizerTemporary = null;
        }
        finally
        {
            if (modelTemporary is not null)
            {
                AtomicFile.Discard(modelTemporary);
            }

            if (tokenizerTemporary is not null)
            {
                AtomicFile.Discard(tokenizerTemporary);
            }
        }
    }

    private static async Task<string> CopyHashedAsync(Stream source, Stream destination, long count, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        var left = count;
        while (left > 0)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException($"the package data ended {left} bytes early");
            }

            hash.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            left -= read;
        }

        return ContentDigest.ToHex(hash.GetHashAndReset());
    }

    private static void Check(string actual, string expected, string path, SetupSources sources)
    {
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new QllmException(ErrorCodes.SetupFailed, path,
                $"the {Path.GetFileName(path)} cut from {sources.ModelPackage} has SHA-256 {actual}, expected {expected}",
                "the package is corrupt or not the expected version; clear npm's cache (npm cache clean --force) and run qllm setup again");
        }
    }
}

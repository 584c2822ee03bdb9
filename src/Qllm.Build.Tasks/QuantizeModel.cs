using System.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Qllm.Build.Tasks.Items;
using Qllm.Cache;
using Qllm.Cache.Remote;
using Qllm.Core.Errors;
using Qllm.Core.Processes;

namespace Qllm.Build.Tasks;

/// <summary>
/// Makes the artifact of one resolved model available under obj/: from the local store when it
/// holds the key (digest verified), otherwise by running <c>dotnet qllm.dll quantize</c> out of
/// process under the key's lock (so concurrent builds quantize once) into a staging folder that
/// becomes a store entry only when the tool succeeds. The tool's canonical error lines become
/// MSBuild errors; cancelling the build kills the tool.
/// </summary>
public sealed class QuantizeModel : ToolTask
{
    private CancellationTokenSource? _cancellation;
    private string _stagedArtifact = string.Empty;
    private QuantizedModelSpec? _spec;

    /// <summary>One item resolved by <see cref="ResolveQuantizedModels"/>.</summary>
    [Required]
    public ITaskItem Model { get; set; } = null!;

    /// <summary>The qllm tool (qllm.dll).</summary>
    [Required]
    public string ToolAssembly { get; set; } = string.Empty;

    /// <summary>The local store's folder (<c>QllmCacheDir</c>); empty: <c>$QLLM_CACHE_DIR</c>, else ~/.cache/qllm.</summary>
    public string CacheDirectory { get; set; } = string.Empty;

    /// <summary>The shared cache's connection string (<c>QllmRemoteCache</c>, else <c>$QLLM_REMOTE_CACHE</c>); empty: no shared tier.</summary>
    public string RemoteCache { get; set; } = string.Empty;

    /// <summary><c>read</c> (the default: developers) or <c>readwrite</c> (CI publishes what it quantizes).</summary>
    public string RemoteCacheMode { get; set; } = string.Empty;

    /// <summary>
    /// The writers' ECDSA P-256 private key (<c>QllmRemoteCacheSigningKey</c>, else
    /// <c>$QLLM_REMOTE_CACHE_SIGNING_KEY</c>): PEM text, a PEM file's path, or base64 PKCS#8. What
    /// this machine publishes is signed with it. A secret: give it to CI only, never log it.
    /// </summary>
    public string RemoteCacheSigningKey { get; set; } = string.Empty;

    /// <summary>
    /// The writers' ECDSA P-256 public key (<c>QllmRemoteCacheTrustedKey</c>, else
    /// <c>$QLLM_REMOTE_CACHE_TRUSTED_KEY</c>): PEM text, a PEM file's path, or base64
    /// SubjectPublicKeyInfo. With it (or a signing key), a shared entry not signed by the writers is
    /// refused (QLLM4005); without either, any consistent entry is used.
    /// </summary>
    public string RemoteCacheTrustedKey { get; set; } = string.Empty;

    /// <summary>A libtorch folder for the tool (<c>--libtorch</c>), such as a PyTorch install's torch/lib; empty: the bundled one.</summary>
    public string LibTorch { get; set; } = string.Empty;

    /// <summary>The largest artifact embedded as a resource (<c>QllmMaxEmbeddedBytes</c>); assembly resources cannot exceed 2 GB.</summary>
    public long MaxEmbeddedBytes { get; set; } = 1_500_000_000;

    /// <inheritdoc/>
    protected override string ToolName => "dotnet";

    /// <inheritdoc/>
    public override bool Execute()
    {
        // ResolveQuantizedModels validated the item and probed the model; its normalised values are read back, not checked again.
        _spec = ResolvedModelItem.Read(Model);
        var key = Model.GetMetadata(ModelMetadata.CacheKey);
        using var cancellation = new CancellationTokenSource();
        _cancellation = cancellation;
        try
        {
            // Resolved first, so a malformed key is an error even when the local store has the artifact.
            var remote = RemoteCacheSettings.Resolve(RemoteCache, RemoteCacheMode, RemoteCacheSigningKey, RemoteCacheTrustedKey);
            var store = new LocalArtifactStore(CacheDirectory.Length > 0 ? CacheDirectory : Qllm.Cache.CacheDirectory.Resolve(null));
            if (TryInstallFromStore(store, key))
            {
                return !Log.HasLoggedErrors;
            }

            using var held = store.Lock(key, () => Log.LogMessage(MessageImportance.High, "Qllm: waiting for another build that is quantizing {0} with the same options", _spec.ModelPath), cancellation.Token);
            if (TryInstallFromStore(store, key))
            {
                return !Log.HasLoggedErrors;
            }

            var staging = store.CreateStaging(key);
            _stagedArtifact = LocalArtifactStore.StagedArtifactPath(staging);
            using var shared = remote is null ? null : SharedCache.Open(remote);
            if (shared is not null && TryInstallFromSharedCache(shared, store, key, staging, cancellation.Token))
            {
                return !Log.HasLoggedErrors;
            }

            Log.LogMessage(MessageImportance.High, "Qllm: quantizing {0} ({1}) for {2}: not in the cache at {3}", _spec.ModelPath, _spec.DescribeOptions(), _spec.FullClassName, store.Root);
            using (var self = Process.GetCurrentProcess())
            {
                // The tool stops by itself if this build process dies before it ends.
                EnvironmentVariables = [.. EnvironmentVariables ?? [], $"{BuildProcess.VariableName}={BuildProcess.Describe(self)}"];
            }

            if (!base.Execute() || cancellation.IsCancellationRequested || !File.Exists(_stagedArtifact))
            {
                Directory.Delete(staging, recursive: true);
                if (!Log.HasLoggedErrors)
                {
                    LogError(ErrorCodes.ToolFailed, $"the qllm tool wrote no artifact for {_spec.ModelPath}; run the build with -v:n to see its output");
                }

                return false;
            }

            var entry = store.Commit(key, staging, _spec.ModelPath, Model.GetMetadata(ModelMetadata.CacheDescription));
            Install(entry);
            if (shared is { Settings.CanPublish: true, Unavailable: false })
            {
                Publish(shared, entry, cancellation.Token);
            }

            return !Log.HasLoggedErrors;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (QllmException e)
        {
            // A misconfigured property concerns no file: the project file, which LogError names, is the place to fix it.
            LogError(e.Code, e.File is null ? e.Message : $"{e.File}: {e.Message}");
            return false;
        }
        finally
        {
            _cancellation = null;
        }
    }

    /// <inheritdoc/>
    public override void Cancel()
    {
        try
        {
            _cancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Execute already ended.
        }

        base.Cancel();
    }

    /// <inheritdoc/>
    protected override string GenerateFullPathToTool() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : ToolName;

    /// <inheritdoc/>
    protected override string GenerateCommandLineCommands()
    {
        var spec = _spec!;
        var command = new CommandLineBuilder();
        command.AppendFileNameIfNotNull(ToolAssembly);
        command.AppendTextUnquoted(" quantize");
        command.AppendFileNameIfNotNull(spec.ModelPath);
        command.AppendSwitchIfNotNull("--calibration ", spec.CalibrationPath);
        command.AppendSwitchIfNotNull("--output ", _stagedArtifact);
        command.AppendSwitchIfNotNull("--tokenizer ", spec.TokenizerPath);
        foreach (var (option, value) in spec.Options)
        {
            command.AppendSwitchIfNotNull(option + " ", value);
        }

        command.AppendSwitchIfNotNull("--device ", spec.Device);
        command.AppendSwitchIfNotNull("--libtorch ", LibTorch.Length > 0 ? LibTorch : null);
        return command.ToString();
    }

    /// <summary>The tool's progress lines are worth seeing at normal verbosity; its error lines are parsed as canonical errors either way.</summary>
    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    /// <inheritdoc/>
    protected override bool HandleTaskExecutionErrors()
    {
        if (!Log.HasLoggedErrors && _cancellation?.IsCancellationRequested != true)
        {
            LogError(ErrorCodes.ToolFailed, $"the qllm tool stopped with exit code {ExitCode} without an error message (it crashed or was killed); no cache entry was written; build again, and run with -v:n to see its output");
        }

        return false;
    }

    private bool TryInstallFromStore(LocalArtifactStore store, string key)
    {
        var lookup = store.TryGet(key);
        if (lookup.Evicted is { } why)
        {
            Log.LogWarning(null, ErrorCodes.CacheEntryCorrupt, null, Model.GetMetadata(ModelMetadata.ProjectFile), 0, 0, 0, 0,
                "the cache entry {0} for {1} was removed because {2}; it will be quantized again", key, _spec!.ModelPath, why);
        }

        if (lookup.Entry is not { } entry)
        {
            return false;
        }

        Log.LogMessage(MessageImportance.High, "Qllm: {0} for {1} came from the cache ({2})", Path.GetFileName(_spec!.ModelPath), _spec.FullClassName, entry.Folder);
        Install(entry);
        return true;
    }

    /// <summary>On a local miss, asks the shared tier; a verified download becomes a local entry. Trouble there is a warning, never a failed build.</summary>
    private bool TryInstallFromSharedCache(SharedCache shared, LocalArtifactStore store, string key, string staging, CancellationToken cancellation)
    {
        var fetch = shared.Fetch(key, _stagedArtifact, cancellation);
        switch (fetch.Kind)
        {
            case RemoteFetchKind.Hit:
                Log.LogMessage(MessageImportance.High, "Qllm: {0} for {1} came from the shared cache ({2}{3})", Path.GetFileName(_spec!.ModelPath), _spec.FullClassName, RemoteCacheSettings.Redacted(shared.Settings.ConnectionString),
                    shared.Settings.TrustedKey is { } trusted ? $", signed by {RemoteEntrySignature.Fingerprint(trusted)}" : ", unsigned entries trusted");
                Install(store.Commit(key, staging, _spec.ModelPath, Model.GetMetadata(ModelMetadata.CacheDescription)));
                return true;
            case RemoteFetchKind.Rejected:
                LogWarning(ErrorCodes.RemoteEntryRejected, $"the shared cache's entry {key} for {_spec!.ModelPath} was rejected ({fetch.Reason}); quantizing locally");
                return false;
            case RemoteFetchKind.Unavailable:
                LogWarning(ErrorCodes.RemoteCacheUnavailable, $"the shared cache {RemoteCacheSettings.Redacted(shared.Settings.ConnectionString)} is unavailable ({fetch.Reason}); quantizing locally");
                return false;
            default:
                return false;
        }
    }

    private void Publish(SharedCache shared, CacheEntry entry, CancellationToken cancellation)
    {
        var published = shared.Publish(entry.Manifest.Key, entry.ArtifactPath, cancellation);
        if (published.Kind == RemotePublishKind.Published)
        {
            Log.LogMessage(MessageImportance.High, "Qllm: published {0} to the shared cache{1}", entry.Manifest.Key, shared.Settings.SigningKey is null ? " (unsigned)" : " (signed)");
        }
        else
        {
            LogWarning(ErrorCodes.RemoteCacheUnavailable, $"could not publish {entry.Manifest.Key} to the shared cache ({published.Reason}); the build goes on with the local artifact");
        }
    }

    /// <summary>Copies the entry's artifact to obj/ (atomically), then records its key there.</summary>
    private void Install(CacheEntry entry)
    {
        if (_spec!.Embedding == ModelEmbedding.Resource && entry.Manifest.Bytes > MaxEmbeddedBytes)
        {
            LogError(ErrorCodes.ArtifactTooLargeToEmbed,
                $"the artifact of {_spec.ModelPath} is {ByteSize.Format(entry.Manifest.Bytes)}, too large to embed as an assembly resource (the limit is {ByteSize.Format(MaxEmbeddedBytes)}); set Embed=\"Content\" on its QuantizedModel item to copy it beside the app");
            return;
        }

        var artifact = Model.GetMetadata(ModelMetadata.ArtifactPath);
        Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
        var temporary = Qllm.Core.IO.AtomicFile.TemporaryPathFor(artifact);
        try
        {
            File.Copy(entry.ArtifactPath, temporary);

            // A copy keeps the entry's time, which can be older than the app's last build: the compiler
            // and the copy to bin/ would then keep the previous model. The artifact under obj/ is new now.
            File.SetLastWriteTimeUtc(temporary, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Qllm.Core.IO.AtomicFile.Discard(temporary);
            throw Qllm.Core.IO.AtomicFile.NotWritable(artifact, e);
        }

        Qllm.Core.IO.AtomicFile.Commit(temporary, artifact);
        Qllm.Core.IO.AtomicFile.WriteAllText(Model.GetMetadata(ModelMetadata.StampPath), entry.Manifest.Key);
    }

    private void LogWarning(string code, string message) =>
        Log.LogWarning(null, code, null, Model.GetMetadata(ModelMetadata.ProjectFile), 0, 0, 0, 0, message);

    private void LogError(string code, string message) =>
        Log.LogError(null, code, null, Model.GetMetadata(ModelMetadata.ProjectFile), 0, 0, 0, 0, message);
}

using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Qllm.Build.Tasks.Items;
using Qllm.Build.Tasks.Packages;
using Qllm.Cache;
using Qllm.Core.Errors;

namespace Qllm.Build.Tasks;

/// <summary>
/// Validates every <c>QuantizedModel</c> item, computes each one's cache key (input digests come
/// from a stat cache under obj/, so unchanged files are not read again) and says which artifacts
/// under obj/ are already the ones for their keys. Items that name a NuGet package
/// (<c>nuget:Package.Id/1.2.3</c>) are installed and verified first (see <see cref="ModelPackageResolver"/>).
/// Runs in MSBuild's process; never quantizes.
/// </summary>
public sealed class ResolveQuantizedModels : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private CancellationTokenSource? _cancellation;

    /// <summary>The project's <c>QuantizedModel</c> items.</summary>
    [Required]
    public ITaskItem[] Models { get; set; } = [];

    /// <summary>The folder under obj/ for artifacts, stamps and the stat cache.</summary>
    [Required]
    public string IntermediateDirectory { get; set; } = string.Empty;

    /// <summary>The namespace of generated classes whose item names none (the project's root namespace).</summary>
    public string DefaultNamespace { get; set; } = string.Empty;

    /// <summary>The qllm tool (qllm.dll) the build runs on a cache miss; its assemblies are part of the cache key.</summary>
    public string ToolAssembly { get; set; } = string.Empty;

    /// <summary>The project's folder, where the NuGet configuration for <c>nuget:</c> items is looked up (as restore does); empty: the folder of the file that defines the item.</summary>
    public string ProjectDirectory { get; set; } = string.Empty;

    /// <summary>The global packages folder restore used for the project (<c>$(NuGetPackageRoot)</c>); empty: the one the NuGet configuration names.</summary>
    public string PackagesFolder { get; set; } = string.Empty;

    /// <summary>An IDE's design-time build: validate and name things, but hash nothing (keys are not needed).</summary>
    public bool DesignTime { get; set; }

    /// <summary>The items with <see cref="ModelMetadata"/> added.</summary>
    [Output]
    public ITaskItem[] ResolvedModels { get; set; } = [];

    /// <summary>
    /// The files whose bytes decide the artifacts: each model file (or the files of a model folder), its
    /// tokenizer and its calibration text, for the IDE's fast up-to-date check. A <c>nuget:</c> model's
    /// files are left out: the package's version in the project file decides them.
    /// </summary>
    [Output]
    public ITaskItem[] InputFiles { get; set; } = [];

    /// <inheritdoc/>
    public override bool Execute()
    {
        List<(ITaskItem Item, QuantizedModelSpec Spec)>? specs;
        using (var cancellation = new CancellationTokenSource())
        {
            _cancellation = cancellation;
            try
            {
                specs = ReadAll(cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            finally
            {
                _cancellation = null;
            }
        }

        if (specs is null)
        {
            return false;
        }

        InputFiles = [.. specs.SelectMany(s => InputFilesOf(s.Spec)).Distinct(StringComparer.Ordinal).Select(path => new TaskItem(path))];
        if (DesignTime || specs.Count == 0)
        {
            ResolvedModels = [.. specs.Select(s => Resolve(s.Item, s.Spec, key: null))];
            return true;
        }

        if (!File.Exists(ToolAssembly))
        {
            Log.LogError(null, ErrorCodes.ToolNotFound, null, specs[0].Item.GetMetadata("DefiningProjectFullPath"), 0, 0, 0, 0,
                "the qllm tool \"{0}\" does not exist; set QllmToolAssembly to the qllm.dll of the Qllm.Tool build, or restore the Qllm.Build package again", ToolAssembly);
            return false;
        }

        var digests = FileDigestCache.Load(Path.Combine(IntermediateDirectory, "input-digests.json"));
        var engine = ModelCacheKey.EngineIdentity(ToolAssembly, digests);
        ResolvedModels = [.. specs.Select(s => Resolve(s.Item, s.Spec, ModelCacheKey.For(s.Spec, engine, digests)))];
        digests.SaveIfChanged();
        Log.LogMessage(MessageImportance.Low, "Qllm: hashed {0} input file(s); the others came from the stat cache", digests.FilesHashed);
        return true;
    }

    /// <inheritdoc/>
    public void Cancel()
    {
        try
        {
            _cancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Execute already ended.
        }
    }

    /// <summary>Reads every item; logs every problem of every item, then returns null if there was one.</summary>
    private List<(ITaskItem Item, QuantizedModelSpec Spec)>? ReadAll(CancellationToken cancellation)
    {
        var specs = new List<(ITaskItem, QuantizedModelSpec)>();
        var failed = false;
        var classes = new Dictionary<string, ITaskItem>(StringComparer.Ordinal);
        var hashes = FileDigestCache.Load(DesignTime ? null : Path.Combine(IntermediateDirectory, "package-hashes.json"), FileHash.Sha512Base64);
        ModelPackageResolver? packages = null;
        foreach (var item in Models)
        {
            var problems = new List<ItemProblem>();
            ResolvedModelPackage? package = null;
            if (ModelPackageReference.IsPackageReference(item.ItemSpec))
            {
                packages ??= OpenPackages(item, hashes);
                package = ReadPackage(item, packages, problems, cancellation);
            }

            var spec = problems.Count == 0 ? QuantizedModelItemReader.Read(item, DefaultNamespace, problems, package) : null;
            if (spec is not null && classes.TryGetValue(spec.FullClassName, out var first))
            {
                problems.Add(new(ErrorCodes.DuplicateClassName,
                    $"the QuantizedModel items \"{first.ItemSpec}\" and \"{item.ItemSpec}\" would both generate the class {spec.FullClassName}; give one of them another ClassName"));
            }

            foreach (var problem in problems)
            {
                Log.LogError(null, problem.Code, null, item.GetMetadata("DefiningProjectFullPath"), 0, 0, 0, 0, problem.Message);
                failed = true;
            }

            if (spec is not null && problems.Count == 0)
            {
                classes[spec.FullClassName] = item;
                specs.Add((item, spec));
            }
        }

        hashes.SaveIfChanged();
        return failed ? null : specs;
    }

    private ModelPackageResolver OpenPackages(ITaskItem item, FileDigestCache hashes)
    {
        var projectDirectory = ProjectDirectory.Length > 0 ? ProjectDirectory : QuantizedModelItemReader.DefiningDirectory(item);
        var packages = new ModelPackageResolver(projectDirectory, PackagesFolder, hashes, new NuGetTaskLogger(Log), line => Log.LogMessage(MessageImportance.High, "{0}", line));

        // MSBuild carries NuGet assemblies of its own; this says which ones the task got (see the task's project file).
        var nuget = typeof(NuGet.Packaging.PackageExtractor).Assembly;
        Log.LogMessage(MessageImportance.Low, "Qllm: NuGet.Packaging {0} from {1}; global packages folder {2}", nuget.GetName().Version, nuget.Location, packages.GlobalPackagesFolder);
        return packages;
    }

    /// <summary>The package of a <c>nuget:</c> item: installed and verified, or only located in a design-time build (which must not wait for a download).</summary>
    private ResolvedModelPackage? ReadPackage(ITaskItem item, ModelPackageResolver packages, List<ItemProblem> problems, CancellationToken cancellation)
    {
        if (!ModelPackageReference.TryParse(item.ItemSpec, out var reference, out var malformed))
        {
            problems.Add(new(ErrorCodes.MalformedPackageReference, $"the QuantizedModel \"{item.ItemSpec}\" names no package: {malformed}; write Include=\"{ModelPackageReference.Prefix}Package.Id/1.2.3\""));
            return null;
        }

        return DesignTime ? packages.Locate(reference) : packages.Resolve(reference, problems, cancellation);
    }

    private static IEnumerable<string> InputFilesOf(QuantizedModelSpec spec)
    {
        if (spec.Package is null)
        {
            if (Directory.Exists(spec.ModelPath))
            {
                // The files the key digests: a folder's top-level files.
                foreach (var file in Directory.GetFiles(spec.ModelPath))
                {
                    yield return file;
                }
            }
            else
            {
                yield return spec.ModelPath;
            }
        }

        if (ModelCacheKey.TokenizerOf(spec) is { } tokenizer)
        {
            yield return tokenizer;
        }

        yield return spec.CalibrationPath;
    }

    private TaskItem Resolve(ITaskItem item, QuantizedModelSpec spec, CacheKey? key)
    {
        var artifact = Path.Combine(Path.GetFullPath(IntermediateDirectory), spec.FullClassName + ".qllm");
        var stamp = artifact + ".key";
        var keyValue = key?.Value() ?? string.Empty;
        // Full paths, so the other tasks read the item the same way wherever the item now seems to be defined.
        var resolved = new TaskItem(item);
        ResolvedModelItem.Write(resolved, spec);
        resolved.SetMetadata(ModelMetadata.ProjectFile, item.GetMetadata("DefiningProjectFullPath"));
        resolved.SetMetadata(ModelMetadata.SourceName, spec.SourceName);
        resolved.SetMetadata(ModelMetadata.ResourceName, spec.ResourceName);
        resolved.SetMetadata(ModelMetadata.ContentPath, spec.ContentPath);
        resolved.SetMetadata(ModelMetadata.ArtifactPath, artifact);
        resolved.SetMetadata(ModelMetadata.StampPath, stamp);
        resolved.SetMetadata(ModelMetadata.CacheKey, keyValue);
        resolved.SetMetadata(ModelMetadata.CacheDescription, key?.CanonicalJson() ?? string.Empty);
        var upToDate = key is not null && File.Exists(artifact) && File.Exists(stamp) && File.ReadAllText(stamp).Trim() == keyValue;
        resolved.SetMetadata(ModelMetadata.UpToDate, upToDate ? "true" : "false");
        return resolved;
    }
}

using NuGet.Common;
using NuGet.Configuration;
using NuGet.Packaging;
using Qllm.Build.Tasks.Items;
using Qllm.Cache;
using Qllm.Core.Errors;
using Qllm.Core.Packaging;

namespace Qllm.Build.Tasks.Packages;

/// <summary>
/// Turns <c>nuget:</c> references into model folders: the package in NuGet's global packages folder
/// (<c>NUGET_PACKAGES</c>, else the configuration's <c>globalPackagesFolder</c>, else ~/.nuget/packages),
/// installed from the project's package sources when it is not there yet, its .nupkg checked against
/// the SHA-512 NuGet recorded when it installed it, and its <see cref="ModelPackageLayout.ModelFolder"/>
/// folder used as a Hugging Face model. Feeds are asked only for packages not installed yet, so a
/// build of an installed package needs no network.
/// </summary>
internal sealed class ModelPackageResolver
{
    private readonly VersionFolderPathResolver _folders;
    private readonly PackageFeedInstaller _installer;
    private readonly FileDigestCache _hashes;
    private readonly Dictionary<string, (ResolvedModelPackage? Package, ItemProblem? Problem)> _resolved = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads the NuGet configuration that applies to <paramref name="projectDirectory"/> (NuGet.Config files there and above, then the user's and the machine's).</summary>
    /// <param name="projectDirectory">The project's folder.</param>
    /// <param name="packagesFolder">The global packages folder restore used for the project (<c>$(NuGetPackageRoot)</c>), or null to work it out from the configuration as restore does.</param>
    /// <param name="hashes">The remembered .nupkg hashes.</param>
    /// <param name="nuget">Where NuGet's own log goes.</param>
    /// <param name="progress">Where a line goes when a package is downloaded (it can take minutes).</param>
    public ModelPackageResolver(string projectDirectory, string? packagesFolder, FileDigestCache hashes, ILogger nuget, Action<string> progress)
    {
        var settings = Settings.LoadDefaultSettings(projectDirectory);
        GlobalPackagesFolder = packagesFolder is { Length: > 0 } given ? Path.GetFullPath(given) : SettingsUtility.GetGlobalPackagesFolder(settings);
        _folders = new VersionFolderPathResolver(GlobalPackagesFolder);
        _installer = new PackageFeedInstaller(settings, _folders, nuget, progress);
        _hashes = hashes;
    }

    /// <summary>The global packages folder packages are installed into.</summary>
    public string GlobalPackagesFolder { get; }

    /// <summary>Where the package's model folder is or would be, without installing or verifying anything (design-time builds).</summary>
    public ResolvedModelPackage Locate(ModelPackageReference reference) => new(reference, ModelFolderOf(reference), string.Empty);

    /// <summary>The package's verified model folder; or null, with the problem added to <paramref name="problems"/>.</summary>
    public ResolvedModelPackage? Resolve(ModelPackageReference reference, List<ItemProblem> problems, CancellationToken cancellation)
    {
        if (!_resolved.TryGetValue(reference.ToString(), out var result))
        {
            result = ResolveOnce(reference, cancellation);
            _resolved[reference.ToString()] = result;
        }

        if (result.Problem is { } problem)
        {
            problems.Add(problem);
        }

        return result.Package;
    }

    private (ResolvedModelPackage?, ItemProblem?) ResolveOnce(ModelPackageReference reference, CancellationToken cancellation)
    {
        var (id, version) = (reference.Id, reference.Version);
        var package = $"{id} {version.ToNormalizedString()}";

        // .nupkg.metadata is written last, so restore takes it as the mark of a complete package; so do we.
        if (!File.Exists(_folders.GetNupkgMetadataPath(id, version)) && !File.Exists(_folders.GetHashPath(id, version))
            && _installer.Install(reference, cancellation) is { } notInstalled)
        {
            return (null, notInstalled);
        }

        var folder = _folders.GetInstallPath(id, version);
        var nupkg = _folders.GetPackageFilePath(id, version);
        var hashFile = _folders.GetHashPath(id, version);
        if (!File.Exists(nupkg) || !File.Exists(hashFile))
        {
            return (null, new(ErrorCodes.PackageHashMismatch, $"the model package {package} in the global packages folder ({folder}) is incomplete: its .nupkg or the hash NuGet recorded for it (.nupkg.sha512) is missing, so its files cannot be trusted; delete that folder so that the next build downloads the package again"));
        }

        var recorded = File.ReadAllText(hashFile).Trim();
        var actual = _hashes.Digest(nupkg);
        if (!string.Equals(recorded, actual, StringComparison.Ordinal))
        {
            return (null, new(ErrorCodes.PackageHashMismatch, $"the model package {package} in the global packages folder ({nupkg}) does not match the SHA-512 NuGet recorded when it installed it (.nupkg.sha512: {recorded}; the file's: {actual}), so it was changed or damaged since; delete {folder} so that the next build downloads the package again"));
        }

        var model = ModelFolderOf(reference);
        if (!File.Exists(Path.Combine(model, ModelPackageLayout.ConfigFile)))
        {
            return (null, new(ErrorCodes.PackageHasNoModel, $"the package {package} holds no model: a model package has a Hugging Face folder under {ModelPackageLayout.ModelFolder}/ (with {ModelPackageLayout.ConfigFile}), and {model} has none; reference a package made with `qllm pack-model`"));
        }

        return (new ResolvedModelPackage(reference, model, actual), null);
    }

    private string ModelFolderOf(ModelPackageReference reference) =>
        Path.Combine(_folders.GetInstallPath(reference.Id, reference.Version), ModelPackageLayout.ModelFolder);
}

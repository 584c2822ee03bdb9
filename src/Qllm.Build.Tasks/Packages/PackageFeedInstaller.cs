using NuGet.Common;
using NuGet.Configuration;
using NuGet.Packaging;
using NuGet.Packaging.Core;
using NuGet.Packaging.Signing;
using NuGet.Protocol;
using NuGet.Protocol.Core.Types;
using Qllm.Build.Tasks.Items;
using Qllm.Core.Errors;

namespace Qllm.Build.Tasks.Packages;

/// <summary>
/// Finds a package on the package sources of the project's NuGet configuration (enabled sources, in
/// their configured order, narrowed by package source mapping when the configuration has one) and
/// installs it from the first that has it into the global packages folder the way restore does:
/// <see cref="PackageExtractor"/> under NuGet's per-package lock, writing the .nupkg, .nupkg.sha512 and,
/// last, the .nupkg.metadata that marks the package complete.
/// </summary>
internal sealed class PackageFeedInstaller(ISettings settings, VersionFolderPathResolver folders, ILogger nuget, Action<string> progress)
{
    /// <summary>Installs the package; returns null, or the problem when no source has it or a source failed.</summary>
    public ItemProblem? Install(ModelPackageReference reference, CancellationToken cancellation) =>
        InstallAsync(reference, cancellation).GetAwaiter().GetResult();

    private async Task<ItemProblem?> InstallAsync(ModelPackageReference reference, CancellationToken cancellation)
    {
        var sources = SourcesFor(reference.Id);
        if (sources.Count == 0)
        {
            return new(ErrorCodes.PackageNotFound, $"the model package {reference.Id} {reference.Version.ToNormalizedString()} cannot be looked for: the project's NuGet configuration has no enabled package source{MappingNote()}; add the feed that holds it to a NuGet.Config beside the project");
        }

        // No HTTP cache: feeds are asked only when the package is not installed yet, and a version
        // published minutes ago must not be hidden by a cached answer.
        using var cache = new SourceCacheContext { NoCache = true };
        var failed = new List<string>();
        var otherVersions = new List<string>();
        foreach (var source in sources)
        {
            // As restore does (NU1302): an HTTP source is used only where NuGet.Config allows it.
            if (source.IsHttp && !source.IsHttps && !source.AllowInsecureConnections)
            {
                failed.Add($"{Describe(source)}: NuGet uses HTTP sources only when NuGet.Config sets allowInsecureConnections=\"true\" on them");
                continue;
            }

            try
            {
                var finder = await Repository.Factory.GetCoreV3(source).GetResourceAsync<FindPackageByIdResource>(cancellation).ConfigureAwait(false)
                    ?? throw new FatalProtocolException($"it is not a NuGet feed (it offers no package lookup)");
                var versions = (await finder.GetAllVersionsAsync(reference.Id, cache, nuget, cancellation).ConfigureAwait(false)).ToList();
                if (!versions.Contains(reference.Version))
                {
                    otherVersions.AddRange(versions.Select(v => $"{v.ToNormalizedString()} on {source.Name}"));
                    continue;
                }

                progress($"Qllm: downloading the model package {reference.Id} {reference.Version.ToNormalizedString()} from {Describe(source)} into {folders.RootPath}");
                using var downloader = await finder.GetPackageDownloaderAsync(reference.Identity, cache, nuget, cancellation).ConfigureAwait(false)
                    ?? throw new FatalProtocolException($"it listed {reference.Id} {reference.Version.ToNormalizedString()} but did not serve it");
                var extraction = new PackageExtractionContext(PackageSaveMode.Defaultv3, XmlDocFileSaveMode.None, ClientPolicyContext.GetClientPolicy(settings, nuget), nuget);
                await PackageExtractor.InstallFromSourceAsync(reference.Identity, downloader, folders, extraction, cancellation).ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when (e is FatalProtocolException or IOException or UnauthorizedAccessException or InvalidDataException or PackagingException)
            {
                failed.Add($"{Describe(source)}: {e.Message}");
            }
        }

        var package = $"{reference.Id} {reference.Version.ToNormalizedString()}";
        if (failed.Count > 0)
        {
            return new(ErrorCodes.PackageSourceUnreachable, $"the model package {package} could not be looked for on every package source, and no other source has it: {string.Join("; ", failed)}; check the network and the source's URL and credentials in NuGet.Config, or disable that source");
        }

        var known = otherVersions.Count > 0 ? $" (versions there: {string.Join(", ", otherVersions)})" : string.Empty;
        return new(ErrorCodes.PackageNotFound, $"the model package {package} is on none of the project's package sources: {string.Join(", ", sources.Select(Describe))}{known}{MappingNote()}; check the id and version, or add the feed that holds it to a NuGet.Config beside the project");
    }

    /// <summary>The enabled sources in configured order; with package source mapping, only those mapped to the id (as restore does).</summary>
    private List<PackageSource> SourcesFor(string id)
    {
        var sources = new PackageSourceProvider(settings).LoadPackageSources().Where(s => s.IsEnabled).ToList();
        var mapping = PackageSourceMapping.GetPackageSourceMapping(settings);
        if (!mapping.IsEnabled)
        {
            return sources;
        }

        var mapped = mapping.GetConfiguredPackageSources(id);
        return [.. sources.Where(s => mapped.Contains(s.Name, StringComparer.OrdinalIgnoreCase))];
    }

    private string MappingNote() =>
        PackageSourceMapping.GetPackageSourceMapping(settings).IsEnabled ? " that package source mapping allows for this id" : string.Empty;

    private static string Describe(PackageSource source) => source.Name == source.Source ? source.Source : $"{source.Name} ({source.Source})";
}

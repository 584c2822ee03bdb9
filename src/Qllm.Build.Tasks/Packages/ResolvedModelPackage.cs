namespace Qllm.Build.Tasks.Packages;

/// <summary>A model package found in the global packages folder.</summary>
/// <param name="Reference">The package and version the item names.</param>
/// <param name="ModelFolder">The Hugging Face folder inside the extracted package (full path).</param>
/// <param name="Sha512">The SHA-512 of the .nupkg (base64, as NuGet records it), verified against its bytes; empty in design-time builds, which verify nothing.</param>
internal sealed record ResolvedModelPackage(ModelPackageReference Reference, string ModelFolder, string Sha512)
{
    /// <summary>The package's part of the cache key: id and version (case-insensitive in NuGet, so lower-cased) and the package's hash.</summary>
    public string CacheKeyInput =>
        $"{Reference.Id.ToLowerInvariant()}/{Reference.Version.ToNormalizedString().ToLowerInvariant()}/{Sha512}";

    /// <summary>How the generated loader's docs name the model.</summary>
    public string Describe() => $"{Reference.Id} {Reference.Version.ToNormalizedString()} (NuGet package)";
}

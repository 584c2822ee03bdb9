using System.Diagnostics.CodeAnalysis;
using NuGet.Packaging;
using NuGet.Packaging.Core;
using NuGet.Versioning;

namespace Qllm.Build.Tasks.Packages;

/// <summary>
/// A model named by a <c>QuantizedModel</c> item as <c>nuget:Package.Id/1.2.3</c>: one package and one
/// exact version. Ranges and floating versions are refused: the package's hash is part of the cache
/// key, so a build must name the bytes it quantizes.
/// </summary>
/// <param name="Id">The package id, as written.</param>
/// <param name="Version">The exact version.</param>
internal sealed record ModelPackageReference(string Id, NuGetVersion Version)
{
    /// <summary>What starts an item's Include when it names a package rather than a path.</summary>
    public const string Prefix = "nuget:";

    /// <summary>The package and version, as NuGet's APIs take them.</summary>
    public PackageIdentity Identity => new(Id, Version);

    /// <summary>Whether <paramref name="itemSpec"/> names a package (checked before any path handling: it is not a path).</summary>
    public static bool IsPackageReference(string itemSpec) => itemSpec.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads <c>nuget:ID/VERSION</c>; on failure, <paramref name="problem"/> says what is wrong with it.</summary>
    public static bool TryParse(string itemSpec, [NotNullWhen(true)] out ModelPackageReference? reference, out string problem)
    {
        reference = null;
        var text = itemSpec.Trim();
        if (!IsPackageReference(text))
        {
            problem = $"\"{itemSpec}\" does not start with {Prefix}";
            return false;
        }

        var parts = text[Prefix.Length..].Split('/');
        if (parts.Length != 2 || parts[0].Trim().Length == 0 || parts[1].Trim().Length == 0)
        {
            problem = $"\"{itemSpec}\" is not of the form {Prefix}Package.Id/1.2.3 (a package id, a slash and one exact version)";
            return false;
        }

        var id = parts[0].Trim();
        if (!PackageIdValidator.IsValidPackageId(id) || id.Length > PackageIdValidator.MaxPackageIdLength)
        {
            problem = $"\"{id}\" in \"{itemSpec}\" is not a NuGet package id (letters, digits, '.', '-' and '_', at most {PackageIdValidator.MaxPackageIdLength} characters)";
            return false;
        }

        if (!NuGetVersion.TryParse(parts[1].Trim(), out var version))
        {
            problem = $"\"{parts[1].Trim()}\" in \"{itemSpec}\" is not one exact version such as 1.2.3 (ranges and floating versions are not allowed: the build must name the bytes it quantizes)";
            return false;
        }

        problem = string.Empty;
        reference = new ModelPackageReference(id, version);
        return true;
    }

    /// <summary>The reference as an item writes it, with the version normalized (<c>Id/1.2.3</c>).</summary>
    public override string ToString() => $"{Id}/{Version.ToNormalizedString()}";
}

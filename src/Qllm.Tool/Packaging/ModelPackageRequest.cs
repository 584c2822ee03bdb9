using NuGet.Versioning;

namespace Qllm.Tool.Packaging;

/// <summary>What `qllm pack-model` packs, and how the package describes itself.</summary>
/// <param name="Folder">The Hugging Face model folder.</param>
/// <param name="Id">The package id.</param>
/// <param name="Version">The package version.</param>
/// <param name="OutputDirectory">Where the .nupkg goes (created when missing).</param>
/// <param name="Description">The nuspec description, or null for one that says how to reference the package.</param>
/// <param name="Authors">The nuspec authors (comma-separated), or null for the package id (as `dotnet pack` defaults to the project's name).</param>
/// <param name="License">An SPDX license expression, or null for none.</param>
internal sealed record ModelPackageRequest(string Folder, string Id, NuGetVersion Version, string OutputDirectory, string? Description, string? Authors, string? License);

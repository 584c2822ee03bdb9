using NuGet.Packaging;
using NuGet.Packaging.Core;
using NuGet.Packaging.Licenses;
using Qllm.Core.Errors;
using Qllm.Core.IO;
using Qllm.Core.Packaging;

namespace Qllm.Tool.Packaging;

/// <summary>
/// Writes a NuGet package that carries a Hugging Face model folder under
/// <see cref="ModelPackageLayout.ModelFolder"/>/ (the convention the build's <c>nuget:</c> items read),
/// with NuGet's own <see cref="PackageBuilder"/>, deterministically (the same folder gives the same
/// bytes, so the same package hash and cache key) and atomically (a killed run leaves no .nupkg).
/// </summary>
internal static class ModelPackageWriter
{
    private const string FixedTimestamp = "2000-01-01T00:00:00Z";

    /// <summary>Packs the folder; returns the path of the .nupkg (<c>ID.VERSION.nupkg</c> in the output folder).</summary>
    /// <exception cref="QllmException">The folder is not a model folder, or the package cannot be written.</exception>
    public static string Write(ModelPackageRequest request)
    {
        var folder = Path.GetFullPath(request.Folder);
        var files = ModelFiles(folder);
        var builder = new PackageBuilder(deterministic: true)
        {
            // A fixed time in every zip entry: otherwise NuGet stamps each with the packing time.
            DeterministicTimestamp = FixedTimestamp,
            Id = request.Id,
            Version = request.Version,
            Description = request.Description ?? $"The model {Path.GetFileName(folder)} for Qllm.Build: <QuantizedModel Include=\"nuget:{request.Id}/{request.Version.ToNormalizedString()}\" /> quantizes it at build time.",
        };
        foreach (var author in (request.Authors ?? request.Id).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            builder.Authors.Add(author);
        }

        builder.PackageTypes.Add(new PackageType(ModelPackageLayout.PackageType, PackageType.EmptyVersion));
        builder.Tags.Add(ModelPackageLayout.Tag);
        if (request.License is { } license)
        {
            builder.LicenseMetadata = new LicenseMetadata(LicenseType.Expression, license, NuGetLicenseExpression.Parse(license), warningsAndErrors: null, LicenseMetadata.CurrentVersion);
        }

        foreach (var file in files)
        {
            builder.Files.Add(new PhysicalPackageFile { SourcePath = file, TargetPath = $"{ModelPackageLayout.ModelFolder}/{Path.GetFileName(file)}" });
        }

        var output = Path.GetFullPath(request.OutputDirectory);
        var nupkg = Path.Combine(output, $"{request.Id}.{request.Version.ToNormalizedString()}.nupkg");
        try
        {
            Directory.CreateDirectory(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw AtomicFile.NotWritable(nupkg, e);
        }

        AtomicFile.Write(nupkg, builder.Save);
        return nupkg;
    }

    /// <summary>
    /// The folder's files (top level only: the engine reads a model folder's top level, so nothing
    /// below it would be used). Hidden files (.gitattributes, editor files) stay out.
    /// </summary>
    private static List<string> ModelFiles(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new QllmException(ErrorCodes.InputNotFound, folder, "the model folder does not exist", "pass a Hugging Face model folder (config.json, *.safetensors, tokenizer files), such as one `qllm convert` writes");
        }

        if (!File.Exists(Path.Combine(folder, ModelPackageLayout.ConfigFile)))
        {
            throw new QllmException(ErrorCodes.InputNotFound, Path.Combine(folder, ModelPackageLayout.ConfigFile), "the folder has no config.json, so it is not a Hugging Face model folder", "pack the folder that holds config.json beside the weights and tokenizer");
        }

        var files = Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (!files.Any(f => f.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)))
        {
            throw new QllmException(ErrorCodes.BadWeights, folder, "the folder has no .safetensors weights", "pack a complete model folder; `qllm convert` writes one from a llama2.c checkpoint");
        }

        return files;
    }
}

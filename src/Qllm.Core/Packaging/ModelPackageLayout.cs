namespace Qllm.Core.Packaging;

/// <summary>
/// How a NuGet package carries a model, shared by the writer (<c>qllm pack-model</c>) and the reader
/// (the build's <c>nuget:</c> references): the Hugging Face folder's files sit under
/// <see cref="ModelFolder"/>, a folder NuGet gives no meaning to, so a project that references the
/// package by mistake gets no assets from it.
/// </summary>
public static class ModelPackageLayout
{
    /// <summary>The folder inside the package that holds config.json, the safetensors and the tokenizer files.</summary>
    public const string ModelFolder = "model";

    /// <summary>The package type in the nuspec, so feeds and tools can tell model packages from libraries.</summary>
    public const string PackageType = "QllmModel";

    /// <summary>A tag for feeds that search by tag rather than by package type.</summary>
    public const string Tag = "qllm-model";

    /// <summary>The file every model folder has.</summary>
    public const string ConfigFile = "config.json";
}

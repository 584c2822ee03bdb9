using Qllm.Build.Tasks.Packages;

namespace Qllm.Build.Tasks.Items;

/// <summary>A validated <c>QuantizedModel</c> item: what to quantize, how, and what code to generate for it.</summary>
/// <param name="ModelPath">The model: a llama2.c checkpoint or a Hugging Face folder (full path).</param>
/// <param name="TokenizerPath">The tokenizer file given by the item, or null (the tool then finds it beside the model).</param>
/// <param name="CalibrationPath">The calibration text (full path).</param>
/// <param name="Options">The quantization options that decide the artifact, as the tool's option names and values, in a fixed order.</param>
/// <param name="Device">Where the tool runs: auto, cpu or cuda. Not part of the cache key: it changes how fast, not what.</param>
/// <param name="ClassName">The generated class.</param>
/// <param name="Namespace">The generated class's namespace.</param>
/// <param name="Embedding">How the app carries the artifact.</param>
/// <param name="Package">The NuGet package the model came from (a <c>nuget:</c> item), or null for a path.</param>
internal sealed record QuantizedModelSpec(
    string ModelPath,
    string? TokenizerPath,
    string CalibrationPath,
    IReadOnlyList<KeyValuePair<string, string>> Options,
    string Device,
    string ClassName,
    string Namespace,
    ModelEmbedding Embedding,
    ResolvedModelPackage? Package = null)
{
    /// <summary>The class's full name, which must be unique in the project.</summary>
    public string FullClassName => Namespace.Length == 0 ? ClassName : $"{Namespace}.{ClassName}";

    /// <summary>The manifest resource name of an embedded artifact.</summary>
    public string ResourceName => $"{FullClassName}.qllm";

    /// <summary>The options as the tool's command line writes them, for messages and docs.</summary>
    public string DescribeOptions() => string.Join(" ", Options.Select(o => $"{o.Key} {o.Value}"));

    /// <summary>How the generated loader's docs name the model: its file or folder name, or its package and version.</summary>
    public string SourceName => Package?.Describe() ?? Path.GetFileName(ModelPath.TrimEnd('/', '\\'));

    /// <summary>Where a copied artifact goes, relative to the output folder.</summary>
    public string ContentPath => $"models/{FullClassName}.qllm";
}

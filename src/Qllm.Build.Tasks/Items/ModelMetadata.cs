namespace Qllm.Build.Tasks.Items;

/// <summary>The metadata <see cref="ResolveQuantizedModels"/> adds to each resolved model item, read by the other tasks and the targets.</summary>
internal static class ModelMetadata
{
    /// <summary>
    /// The project file that defines the item, where errors point. The resolved items are created
    /// by a target in Qllm.Build.targets, so their own DefiningProjectFullPath names that file.
    /// </summary>
    public const string ProjectFile = "QllmProjectFile";

    /// <summary>The calibration text (full path).</summary>
    public const string Calibration = "Calibration";

    /// <summary>The tokenizer the item names (full path), or empty.</summary>
    public const string Tokenizer = "Tokenizer";

    /// <summary>Where the tool runs, normalised: auto, cpu or cuda.</summary>
    public const string Device = "Device";

        /// <summary>How the generated loader's docs name the model (its file name, or its package and version).</summary>
    public const string SourceName = "QllmSourceName";

    /// <summary>The generated class's name.</summary>
    public const string ClassName = "ClassName";

    /// <summary>The generated class's namespace.</summary>
    public const string Namespace = "Namespace";

    /// <summary>Resource or Content.</summary>
    public const string Embed = "Embed";

    /// <summary>The manifest resource name of an embedded artifact.</summary>
    public const string ResourceName = "ResourceName";

    /// <summary>Where a copied artifact goes, relative to the output folder.</summary>
    public const string ContentPath = "ContentPath";

    /// <summary>The artifact under obj/ that the build embeds or copies.</summary>
    public const string ArtifactPath = "ArtifactPath";

    /// <summary>The file under obj/ that records which cache key the artifact under obj/ was made for.</summary>
    public const string StampPath = "StampPath";

    /// <summary>
    /// The quantization options as the tool's options (<c>--preset W4A4 --samples 32</c>), normalised and in
    /// a fixed order: the arguments QuantizeModel passes to the tool, and the text of messages and docs.
    /// </summary>
    public const string QuantizationOptions = "QuantizationOptions";

    /// <summary>The cache key.</summary>
    public const string CacheKey = "CacheKey";

    /// <summary>The canonical JSON the key was computed from.</summary>
    public const string CacheDescription = "CacheDescription";

    /// <summary>true when the artifact under obj/ is already the one for the key (nothing to do).</summary>
    public const string UpToDate = "UpToDate";
}

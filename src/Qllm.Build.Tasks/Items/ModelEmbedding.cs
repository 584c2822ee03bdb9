namespace Qllm.Build.Tasks.Items;

/// <summary>How the app carries a model's artifact.</summary>
internal enum ModelEmbedding
{
    /// <summary>As a manifest resource of the app's assembly (one file to ship; limited to 1.5 GB).</summary>
    Resource,

    /// <summary>As a file copied beside the app (no size limit).</summary>
    Content,
}

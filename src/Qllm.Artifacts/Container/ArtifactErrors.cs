using Qllm.Core.Errors;

namespace Qllm.Artifacts.Container;

/// <summary>The errors for a malformed or unsupported artifact (<see cref="ErrorCodes.BadArtifact"/>).</summary>
public static class ArtifactErrors
{
    /// <summary>What to do about a damaged or malformed artifact.</summary>
    internal const string RebuildFix = "the artifact is damaged or was not written by qllm; re-run qllm quantize (or rebuild the project) to write it again";

    /// <summary>What to do about an artifact written by a newer qllm.</summary>
    internal const string UpgradeFix = "it was written by a newer qllm; upgrade qllm and Qllm.Runtime, or re-run qllm quantize with this version";

    /// <summary>A malformed or damaged artifact.</summary>
    /// <param name="source">The artifact (a path or a resource name).</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="inner">The exception that revealed it, if any.</param>
    public static QllmException Bad(string source, string problem, Exception? inner = null) =>
        new(ErrorCodes.BadArtifact, source, problem, RebuildFix, inner);

    /// <summary>An artifact this reader is too old to understand.</summary>
    /// <param name="source">The artifact (a path or a resource name).</param>
    /// <param name="problem">What it holds that this reader does not know.</param>
    public static QllmException TooNew(string source, string problem) =>
        new(ErrorCodes.BadArtifact, source, problem, UpgradeFix);
}

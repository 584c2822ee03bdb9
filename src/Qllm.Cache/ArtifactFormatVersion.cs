namespace Qllm.Cache;

/// <summary>
/// The artifact format version the engine writes, part of every cache key. The build tasks cannot
/// reference the runtime that defines it (they load nothing heavy into MSBuild), so a test checks
/// that this copy equals <c>Qllm.Artifacts.Container.ArtifactFormat.CurrentVersion</c>.
/// </summary>
internal static class ArtifactFormatVersion
{
    /// <summary>The version.</summary>
    public const int Current = 1;
}

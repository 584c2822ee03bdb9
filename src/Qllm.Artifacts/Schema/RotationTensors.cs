using Qllm.Artifacts.Container;

namespace Qllm.Artifacts.Schema;

/// <summary>
/// The checks of a rotated artifact's <c>rotation.*</c> tensors that the runtime and the engine's
/// loader share: only known sites, and the header's <see cref="ArtifactFormat.OnlineTransformsFlag"/>
/// set exactly when there are transforms to apply.
/// </summary>
public static class RotationTensors
{
    /// <summary>Refuses (QLLM2011) rotation tensors of an unknown site, and a header flag that disagrees with their presence.</summary>
    /// <exception cref="Qllm.Core.Errors.QllmException">The artifact fails a check.</exception>
    public static void Check(ArtifactReader reader)
    {
        var known = ArtifactTensorNames.RotationSites.Select(ArtifactTensorNames.Rotation).SelectMany(prefix => new[] { $"{prefix}.factor", $"{prefix}.signs" }).ToHashSet(StringComparer.Ordinal);
        var rotation = reader.Tensors.Keys.Where(name => name.StartsWith("rotation.", StringComparison.Ordinal)).ToList();
        if (rotation.FirstOrDefault(name => !known.Contains(name)) is { } unknown)
        {
            // Running without a transform the model needs would give fluent-looking garbage.
            throw ArtifactErrors.TooNew(reader.Source, $"it holds '{unknown}', an online transform this version does not know");
        }

        bool flagged = (reader.Flags & ArtifactFormat.OnlineTransformsFlag) != 0;
        if (flagged != rotation.Count > 0)
        {
            throw ArtifactErrors.Bad(reader.Source, flagged
                ? "its header says it needs online transforms, and it holds no rotation tensors"
                : "it holds rotation tensors, and its header does not set the online-transforms flag");
        }
    }
}

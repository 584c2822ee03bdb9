namespace Qllm.Artifacts.Schema;

/// <summary>The <c>rotation</c> metadata of a rotated model: for display only, readers go by the <c>rotation.*</c> tensors.</summary>
/// <param name="Kind">The rotation's kind (<see cref="ArtifactSchema.HadamardKind"/>).</param>
/// <param name="Seed">The seed of its random signs and factors.</param>
/// <param name="Transforms">The online transforms, one per site (<see cref="ArtifactTensorNames.RotationSites"/>).</param>
public sealed record RotationRecord(string Kind, int Seed, IReadOnlyList<RotationSiteRecord> Transforms);

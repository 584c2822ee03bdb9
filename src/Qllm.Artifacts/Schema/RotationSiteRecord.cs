namespace Qllm.Artifacts.Schema;

/// <summary>One online transform of a rotated model, as the <c>rotation</c> metadata records it.</summary>
/// <param name="Site">The site (one of <see cref="ArtifactTensorNames.RotationSites"/>).</param>
/// <param name="Order">The transform's order.</param>
/// <param name="Kind"><see cref="ArtifactSchema.HadamardKind"/> or <see cref="ArtifactSchema.RandomOrthogonalKind"/>.</param>
/// <param name="Factor">The order of its dense factor.</param>
/// <param name="PowerOfTwo">The order of its Walsh–Hadamard part.</param>
/// <param name="Signs">Whether it has random signs.</param>
public sealed record RotationSiteRecord(string Site, int Order, string Kind, int Factor, int PowerOfTwo, bool Signs);

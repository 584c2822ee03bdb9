namespace Qllm.Runtime.Tests;

/// <summary>What a comparison of the engine's and the runtime's logits found.</summary>
/// <param name="Positions">Positions compared.</param>
/// <param name="Disagreements">The positions whose top-1 token differs.</param>
/// <param name="MaxDifference">The largest |Δlogit| at any position and token.</param>
/// <param name="SmallestGap">The smallest gap between the engine's first and second logit: how near a tie came.</param>
internal sealed record LogitAgreement(int Positions, IReadOnlyList<int> Disagreements, double MaxDifference, double SmallestGap);

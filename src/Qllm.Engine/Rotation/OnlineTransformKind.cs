namespace Qllm.Engine.Rotation;

/// <summary>How an <see cref="OrthogonalTransform"/> was built.</summary>
public enum OnlineTransformKind
{
    /// <summary>A Hadamard matrix (Sylvester, or a Kronecker product with Paley's order 12), scaled to be orthogonal.</summary>
    Hadamard,

    /// <summary>No Hadamard matrix of the order is known: a seeded random orthogonal matrix (dense, slower online).</summary>
    RandomOrthogonal,
}

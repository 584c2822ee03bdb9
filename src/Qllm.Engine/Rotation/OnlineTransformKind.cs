namespace Qllm.Engine.Rotation;

/// <summary>How an <see cref="OrthogonalTransform"/> was built.</summary>
public enum OnlineTransformKind
{
    /// <summary>A Hadamard matrix (a Sylvester power of two, times a Paley base where the order needs one), scaled to be orthogonal.</summary>
    Hadamard,

    /// <summary>No Hadamard matrix of the order is known: a seeded random orthogonal factor of its odd part, times the Sylvester matrix of the rest.</summary>
    RandomOrthogonal,
}

namespace Qllm.Engine.Rotation;

/// <summary>Whether a model is rotated before quantization (<c>--rotation</c>).</summary>
public enum RotationKind
{
    /// <summary>No rotation: the model's own basis.</summary>
    None,

    /// <summary>QuaRot-style: a randomized Hadamard rotation of the residual stream, plus online Hadamards on the attention heads and the down_proj input.</summary>
    Hadamard,
}

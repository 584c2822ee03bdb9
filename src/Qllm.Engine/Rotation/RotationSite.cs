using Qllm.Artifacts.Schema;

namespace Qllm.Engine.Rotation;

/// <summary>One place where a rotated model applies an orthogonal transform online.</summary>
/// <param name="Name">The artifact's name for it: residual, heads or down (docs/artifact-format.md, "Rotation").</param>
/// <param name="Transform">The transform.</param>
internal sealed record RotationSite(string Name, OrthogonalTransform Transform)
{
    /// <summary>The residual stream: applied to each embedded token, undone before the final norm.</summary>
    public const string Residual = ArtifactTensorNames.ResidualRotation;

    /// <summary>Each query and key head, after the rotary embedding.</summary>
    public const string Heads = ArtifactTensorNames.HeadRotation;

    /// <summary>The down projection's input.</summary>
    public const string Down = ArtifactTensorNames.DownRotation;
}

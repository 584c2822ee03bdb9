using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

// TorchSharp's RegisterComponents names parameters, buffers and submodules after their fields, so
// these fields keep the state dict's names (q_proj, weight, lora_a) rather than the _camelCase rule.
#pragma warning disable IDE1006
/// <summary>
/// Root-mean-square layer norm: x / sqrt(mean(x²) + eps) · weight. The factor 1/sqrt(mean(x²) + eps)
/// is computed in double and rounded once to float, so it does not depend on the order of the
/// reduction: the managed runtime computes the same float factor, and with it the same activation codes.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    /// <summary>Wraps <paramref name="weight"/> [dim].</summary>
    public RmsNorm(Tensor weight, double eps)
        : base("rms_norm")
    {
        this.weight = new Parameter(weight.detach(), requires_grad: false);
        this.eps = eps;
        RegisterComponents();
    }

    /// <summary>The scale, [dim].</summary>
    public Parameter Weight => weight;

    /// <summary>Whether the factor is computed in float32 instead of double (while calibrating: see <see cref="DecoderLayer.CalibrationProducts"/>).</summary>
    public bool InFloat { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        var factor = (x.to(InFloat ? ScalarType.Float32 : ScalarType.Float64).pow(2).mean([-1], keepdim: true) + eps).rsqrt().to(ScalarType.Float32);
        var normed = x * factor;
        return (normed.to(input.dtype) * weight).MoveToOuterDisposeScope();
    }
}

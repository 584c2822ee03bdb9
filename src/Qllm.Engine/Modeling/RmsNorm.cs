using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

/// <summary>Root-mean-square layer norm: x / sqrt(mean(x²) + eps) · weight.</summary>
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

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        var normed = x * (x.pow(2).mean([-1], keepdim: true) + eps).rsqrt();
        return (normed.to(input.dtype) * weight).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

// TorchSharp's RegisterComponents names parameters, buffers and submodules after their fields, so
// these fields keep the state dict's names (q_proj, weight, lora_a) rather than the _camelCase rule.
#pragma warning disable IDE1006
/// <summary>A bias-free linear layer y = x·Wᵀ over a full-precision weight [out, in].</summary>
public sealed class DenseLinear : nn.Module<Tensor, Tensor>, ICalibrationProducts
{
    private readonly Parameter weight;

    /// <summary>
    /// Wraps <paramref name="weight"/> (shares its storage, leaves the caller's tensor valid; frozen unless a caller enables its gradient). A
    /// <see cref="Parameter"/> is used as is, so that a tied classifier and the embedding share one.
    /// </summary>
    public DenseLinear(Tensor weight, string name = "linear")
        : base(name)
    {
        this.weight = weight as Parameter ?? new Parameter(weight.detach(), requires_grad: false);
        RegisterComponents();
    }

    /// <summary>The weight, [out, in].</summary>
    public Parameter Weight => weight;

    /// <inheritdoc />
    public ScalarType? CalibrationProducts { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => CalibrationMath.Linear(input, weight, CalibrationProducts);
}

using Qllm.Engine.Rotation;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

// TorchSharp's RegisterComponents names parameters, buffers and submodules after their fields, so
// these fields keep the state dict's names (q_proj, weight, lora_a) rather than the _camelCase rule.
#pragma warning disable IDE1006
/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)), with replaceable projections and inputs.</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>, ICalibrationProducts
{
#pragma warning disable IDE0044 // RegisterComponents discovers submodules through fields; the setters below replace them.
    private nn.Module<Tensor, Tensor> gate_proj;
    private nn.Module<Tensor, Tensor> up_proj;
    private nn.Module<Tensor, Tensor> down_proj;
    private nn.Module<Tensor, Tensor> gate_up_input = nn.Identity();
    private nn.Module<Tensor, Tensor> down_input = nn.Identity();
#pragma warning restore IDE0044

    /// <summary>Builds the MLP of one layer from its three projection modules.</summary>
    public FeedForward(nn.Module<Tensor, Tensor> gate, nn.Module<Tensor, Tensor> up, nn.Module<Tensor, Tensor> down)
        : base("mlp")
    {
        gate_proj = gate;
        up_proj = up;
        down_proj = down;
        RegisterComponents();
    }

    /// <summary>Gate projection, dim → hidden.</summary>
    public nn.Module<Tensor, Tensor> GateProjection { get => gate_proj; set => SubmoduleSlot.Replace(this, nameof(gate_proj), gate_proj = value); }

    /// <summary>Up projection, dim → hidden.</summary>
    public nn.Module<Tensor, Tensor> UpProjection { get => up_proj; set => SubmoduleSlot.Replace(this, nameof(up_proj), up_proj = value); }

    /// <summary>Down projection, hidden → dim.</summary>
    public nn.Module<Tensor, Tensor> DownProjection { get => down_proj; set => SubmoduleSlot.Replace(this, nameof(down_proj), down_proj = value); }

    /// <summary>Applied to the (normed) input shared by gate and up; identity by default.</summary>
    public nn.Module<Tensor, Tensor> GateUpInput { get => gate_up_input; set => SubmoduleSlot.Replace(this, nameof(gate_up_input), gate_up_input = value); }

    /// <summary>Applied to the input of the down projection; identity by default.</summary>
    public nn.Module<Tensor, Tensor> DownInput { get => down_input; set => SubmoduleSlot.Replace(this, nameof(down_input), down_input = value); }

    /// <summary>An orthogonal transform of the down projection's input (before its quantizer), or null; its transpose is folded into the down weight.</summary>
    public OrthogonalTransform? DownTransform { get; set; }

    /// <summary>
    /// The down transform's product type while calibrating, when SiLU runs in float32 too (see
    /// <see cref="DecoderLayer.CalibrationProducts"/>); or null: both in double.
    /// </summary>
    public ScalarType? CalibrationProducts { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = gate_up_input.call(input);
        // SiLU in double, rounded once: its exp then does not depend on the vector math library, so
        // the runtime's SiLU gives the same floats (and the same down_proj activation codes).
        var gate = gate_proj.call(x);
        var hidden = (CalibrationProducts is not null ? nn.functional.silu(gate) : nn.functional.silu(gate.to(ScalarType.Float64)).to(gate.dtype)) * up_proj.call(x);
        if (DownTransform is { } transform)
        {
            hidden = CalibrationProducts is { } type ? transform.ApplyIn(hidden, type) : transform.Apply(hidden);
        }

        return down_proj.call(down_input.call(hidden)).MoveToOuterDisposeScope();
    }
}

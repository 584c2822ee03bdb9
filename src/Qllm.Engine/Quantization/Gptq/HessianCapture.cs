using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization.Gptq;

// TorchSharp names a module's parameters, buffers and submodules after its fields (RegisterComponents,
// nameof), so these fields keep the state dict's names rather than the _camelCase rule.
#pragma warning disable IDE1006
/// <summary>
/// Stands in for a linear while a layer runs on the calibration inputs: passes its input on to the
/// linear unchanged and adds xᵀx over every token x to the Hessian, in float64 on the input's device,
/// so that it sees exactly what the linear receives (after reassembly and activation quantization).
/// Then it ends the layer's forward pass with <see cref="HessianCaptured"/>: nothing after this
/// linear affects its Hessian, and the rest of the layer would be computed for nothing.
/// </summary>
internal sealed class HessianCapture : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> inner;
    private Tensor? hessian;

    /// <summary>Wraps <paramref name="inner"/>; disposing the capture leaves it (and the Hessian) alone.</summary>
    public HessianCapture(nn.Module<Tensor, Tensor> inner)
        : base("hessian_capture")
    {
        this.inner = inner;
    }

    /// <summary>The wrapped linear, to put back in the layer.</summary>
    public nn.Module<Tensor, Tensor> Inner => inner;

    /// <summary>Σ xᵀx so far [in, in], or null before the first input. Owned by the caller.</summary>
    public Tensor? Hessian => hessian;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using (var scope = NewDisposeScope())
        {
            var x = input.detach().reshape(-1, input.shape[^1]).to(ScalarType.Float64);
            if (hessian is null)
            {
                hessian = x.t().matmul(x).DetachFromDisposeScope();
            }
            else
            {
                hessian.addmm_(x.t(), x);
            }
        }

        throw new HessianCaptured();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // Registering this module in a layer registers its fields too (the wrapped linear as a child,
        // a Hessian as a buffer), and a module disposes its children: forget them first.
        // Dispose runs twice, explicitly and then from the finalizer (which would otherwise dispose
        // the linear at some later point), and TorchSharp's OrderedDict.Remove throws on a missing key.
#pragma warning disable CA1853 // Not a Dictionary: the guard is needed.
        if (_internal_submodules.ContainsKey(nameof(inner)))
        {
            _internal_submodules.Remove(nameof(inner));
        }

        if (_internal_buffers.ContainsKey(nameof(hessian)))
        {
            _internal_buffers.Remove(nameof(hessian));
        }
#pragma warning restore CA1853

        base.Dispose(disposing);
    }
}

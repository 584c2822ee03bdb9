using Qllm.Engine.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// A finished quantized linear: its weight is the integer codes with scales and zero points, and the
/// forward pass multiplies by their dequantized form. What an artifact stores and loads back.
/// </summary>
public sealed class IntegerLinear : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE0044 // RegisterComponents discovers submodules through fields.
    private DenseLinear dequantized;
#pragma warning restore IDE0044

    /// <summary>Wraps <paramref name="weight"/> (owned from now on).</summary>
    public IntegerLinear(QuantizedTensor weight, string name)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(weight);
        Weight = weight;
        dequantized = new DenseLinear(weight.Dequantize(), name);
        RegisterComponents();
    }

    /// <summary>The integer weight.</summary>
    public QuantizedTensor Weight { get; }

    /// <summary>The float weight the codes stand for, [out, in].</summary>
    public Tensor DequantizedWeight => dequantized.Weight;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => dequantized.call(input);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Weight.Dispose();
        }

        base.Dispose(disposing);
    }
}

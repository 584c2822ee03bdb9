using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// A finished quantized linear: its weight is the integer codes with scales and zero points, and the
/// forward pass multiplies by their dequantized form in double, where both factors are exact, and
/// rounds the sum once to float: the result is the integer product the managed runtime computes
/// (Σ (q − za)(c − zw)·sa·sw), independent of how a matrix kernel orders its sums.
/// What an artifact stores and loads back.
/// </summary>
public sealed class IntegerLinear : nn.Module<Tensor, Tensor>
{
    /// <summary>Wraps <paramref name="weight"/> (owned from now on).</summary>
    public IntegerLinear(QuantizedTensor weight, string name)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(weight);
        Weight = weight;
    }

    /// <summary>The integer weight.</summary>
    public QuantizedTensor Weight { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var weight = UniformQuantizer.Dequantize(Weight.Codes.to(ScalarType.Float64), Weight.Scales.to(ScalarType.Float64), Weight.Zeros.to(ScalarType.Float64));
        return input.to(ScalarType.Float64).matmul(weight.t()).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

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

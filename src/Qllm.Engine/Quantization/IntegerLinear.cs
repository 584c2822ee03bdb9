using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// A finished quantized linear: its weight is the integer codes with scales and zero points, and the
/// forward pass multiplies by their dequantized form in double, where both factors are exact, and
/// rounds the sum once to float: the result is the integer product the managed runtime computes
/// (Σ (q − za)(c − zw)·sa·sw), independent of how a matrix kernel orders its sums.
/// What an artifact stores and loads back. The codes are kept packed (<see cref="PackedCodes"/>).
/// </summary>
public sealed class IntegerLinear : nn.Module<Tensor, Tensor>
{
    /// <summary>Takes <paramref name="weight"/>: its codes are packed at once (and their tensor disposed), its scales and zeros kept.</summary>
    public IntegerLinear(QuantizedTensor weight, string name)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(weight);
        Codes = PackedCodes.Pack(weight.Codes, weight.Bits);
        weight.Codes.Dispose();
        Scales = weight.Scales;
        Zeros = weight.Zeros;
    }

    /// <summary>The integer codes, packed.</summary>
    public PackedCodes Codes { get; }

    /// <summary>float32 [rows, groups].</summary>
    public Tensor Scales { get; }

    /// <summary>float32 [rows, groups], integer-valued.</summary>
    public Tensor Zeros { get; }

    /// <summary>Bits per code.</summary>
    public int Bits => Codes.Bits;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var weight = UniformQuantizer.Dequantize(Codes.Unpack().to(ScalarType.Float64), Scales.to(ScalarType.Float64), Zeros.to(ScalarType.Float64));
        return input.to(ScalarType.Float64).matmul(weight.t()).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Scales.Dispose();
            Zeros.Dispose();
        }

        base.Dispose(disposing);
    }
}

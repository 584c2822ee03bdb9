using Qllm.Engine.Modeling;
using Qllm.Engine.Quantization.Reassembly;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

// TorchSharp names a module's parameters, buffers and submodules after its fields (RegisterComponents,
// nameof), so these fields keep the state dict's names rather than the _camelCase rule.
#pragma warning disable IDE1006
/// <summary>
/// What a quantized model does to the input of a group of linears: an optional channel
/// reassembly (x' = x·M, M [C, C] built from the reassembly map), then per-token activation quantization.
/// In exact mode (finished models) the reassembly is the sparse sum in the map's order and the
/// quantized values come out in double, exact, for <see cref="IntegerLinear"/>'s integer-exact product.
/// </summary>
public sealed class LinearInput : nn.Module<Tensor, Tensor>, ICalibrationProducts
{
    private readonly Tensor? reassembly;
    private readonly int bits;
    private readonly bool exact;

    /// <summary>Creates the transform; a null or identity <paramref name="map"/> means the channels are used as they are.</summary>
    public LinearInput(ReassemblyMap? map, int bits, Device device, bool exact = false)
        : base("linear_input")
    {
        Map = map is null || map.IsIdentity ? null : map;
        reassembly = exact ? null : Map?.ActivationMatrix(device);
        this.bits = bits;
        this.exact = exact;
        if (this.reassembly is not null)
        {
            register_buffer("reassembly", this.reassembly);
        }
    }

    /// <summary>The channel reassembly, or null when there is none.</summary>
    public ReassemblyMap? Map { get; }

    /// <summary>Activation bits (16 = not quantized).</summary>
    public int Bits => bits;

    /// <inheritdoc />
    /// <remarks>The reassembly's product.</remarks>
    public ScalarType? CalibrationProducts { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        if (exact)
        {
            var reassembled = Map is null ? input : Map.ApplyToActivations(input);
            return (bits >= 16 ? reassembled.alias() : UniformQuantizer.QuantizeToExactDouble(reassembled, bits)).MoveToOuterDisposeScope();
        }

        var x = reassembly is null ? input : CalibrationMath.MatMul(input, reassembly, CalibrationProducts);
        return UniformQuantizer.FakeQuantize(x, bits, straightThrough: true).MoveToOuterDisposeScope();
    }
}

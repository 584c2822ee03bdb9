using Qllm.Engine.Quantization.Reassembly;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// What a quantized model does to the input of a group of linears: an optional channel
/// reassembly (x' = x·M, M [C, C] built from the reassembly map), then per-token activation quantization.
/// </summary>
public sealed class LinearInput : nn.Module<Tensor, Tensor>
{
    private readonly Tensor? reassembly;
    private readonly int bits;

    /// <summary>Creates the transform; a null or identity <paramref name="map"/> means the channels are used as they are.</summary>
    public LinearInput(ReassemblyMap? map, int bits, Device device)
        : base("linear_input")
    {
        Map = map is null || map.IsIdentity ? null : map;
        reassembly = Map?.ActivationMatrix(device);
        this.bits = bits;
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
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = reassembly is null ? input : input.matmul(reassembly);
        return UniformQuantizer.FakeQuantize(x, bits, straightThrough: true).MoveToOuterDisposeScope();
    }
}

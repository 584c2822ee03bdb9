using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// What a quantized model does to the input of a group of linears: an optional channel
/// reassembly (x' = x·M, M [C, C] from the reassembly map), then per-token activation quantization.
/// </summary>
public sealed class LinearInput : nn.Module<Tensor, Tensor>
{
    private readonly Tensor? reassembly;
    private readonly int bits;

    /// <summary>Creates the transform; <paramref name="reassembly"/> null means the channels are used as they are.</summary>
    public LinearInput(Tensor? reassembly, int bits)
        : base("linear_input")
    {
        this.reassembly = reassembly?.detach();
        this.bits = bits;
        if (this.reassembly is not null)
        {
            register_buffer("reassembly", this.reassembly);
        }
    }

    /// <summary>The reassembly matrix [C, C], or null.</summary>
    public Tensor? Reassembly => reassembly;

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

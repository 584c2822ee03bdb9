using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// Dynamic per-token (per last-dimension slice) activation quantization, fake-quantized in float:
/// ranges are computed from each token at run time, as the 4-bit runtime does. Rounds with a
/// straight-through gradient, so blocks can be trained through it.
/// </summary>
public sealed class ActivationQuantizer(int bits) : nn.Module<Tensor, Tensor>("act_quant")
{
    /// <summary>Bits per activation.</summary>
    public int Bits { get; } = bits;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => UniformQuantizer.FakeQuantize(input, Bits, straightThrough: true);
}

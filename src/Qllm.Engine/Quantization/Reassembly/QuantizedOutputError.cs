using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization.Reassembly;

/// <summary>
/// The search's objective at one reassembly point: the MSE between the full-precision consumer
/// outputs x·Wᵀ (all consumers concatenated) and Q(x')·Q(W')ᵀ for a map, with Q the activation
/// (per token) and weight (per output row or group) fake quantizers of the settings.
/// </summary>
internal sealed class QuantizedOutputError : IDisposable
{
    private readonly Tensor activations;
    private readonly Tensor weight;
    private readonly Tensor reference;
    private readonly QuantizationSettings settings;

    /// <summary>Uses <paramref name="activations"/> [N, C] and <paramref name="weight"/> [O, C]; the caller keeps owning them.</summary>
    public QuantizedOutputError(Tensor activations, Tensor weight, QuantizationSettings settings)
    {
        this.activations = activations;
        this.weight = weight;
        this.settings = settings;
        using var noGrad = no_grad();
        reference = activations.matmul(weight.t());
    }

    /// <summary>The MSE for <paramref name="map"/>; the identity map is evaluated on the untouched tensors.</summary>
    public double Evaluate(ReassemblyMap map)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        // The identity goes through no gather/scatter, so with quantization off it reproduces the
        // reference bit for bit and scores exactly 0.
        var x = map.IsIdentity ? activations : map.ApplyToActivations(activations);
        var w = map.IsIdentity ? weight : map.ApplyToWeight(weight);
        var xq = UniformQuantizer.FakeQuantize(x, settings.ActivationBits);
        var wq = UniformQuantizer.FakeQuantize(w, settings.WeightBits, settings.WeightGroupSize);
        return nn.functional.mse_loss(xq.matmul(wq.t()), reference).item<float>();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        reference.Dispose();
    }
}

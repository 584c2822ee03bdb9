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
    private readonly Tensor _activations;
    private readonly Tensor _weight;
    private readonly Tensor _reference;
    private readonly QuantizationSettings _settings;

    /// <summary>Uses <paramref name="activations"/> [N, C] and <paramref name="weight"/> [O, C]; the caller keeps owning them.</summary>
    public QuantizedOutputError(Tensor activations, Tensor weight, QuantizationSettings settings)
    {
        _activations = activations;
        _weight = weight;
        _settings = settings;
        using var noGrad = no_grad();
        _reference = activations.matmul(weight.t());
    }

    /// <summary>The MSE for <paramref name="map"/>; the identity map is evaluated on the untouched tensors.</summary>
    public double Evaluate(ReassemblyMap map)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        // The identity goes through no gather/scatter, so with quantization off it reproduces the
        // reference bit for bit and scores exactly 0.
        var x = map.IsIdentity ? _activations : map.ApplyToActivations(_activations);
        var w = map.IsIdentity ? _weight : map.ApplyToWeight(_weight);
        var xq = UniformQuantizer.FakeQuantize(x, _settings.ActivationBits);
        var wq = UniformQuantizer.FakeQuantize(w, _settings.WeightBits, _settings.WeightGroupSize);
        return nn.functional.mse_loss(xq.matmul(wq.t()), _reference).item<float>();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _reference.Dispose();
    }
}

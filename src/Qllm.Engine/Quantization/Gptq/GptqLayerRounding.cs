using System.Globalization;
using Qllm.Engine.Modeling;
using Qllm.Engine.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization.Gptq;

/// <summary>
/// GPTQ over one quantized decoder layer: its linears are rounded in execution order, in four groups,
/// (q, k, v), (o), (gate, up), (down). Each group's Hessian comes from running the layer on its
/// calibration inputs with the groups before it already rounded, so that every linear is rounded
/// for the inputs it will actually receive in the quantized model (the reference's sequential mode).
/// </summary>
internal static class GptqLayerRounding
{
    // Linears of a group share their input, so the first of each captures the group's one Hessian.
    private static readonly string[][] Groups =
    [
        ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"],
        ["self_attn.o_proj"],
        ["mlp.gate_proj", "mlp.up_proj"],
        ["mlp.down_proj"],
    ];

    /// <summary>
    /// Rounds every <see cref="QuantizedLinear"/> of <paramref name="layer"/> with GPTQ and fixes its
    /// rounding (<see cref="QuantizedLinear.FixRounding"/>). Each linear's own weight (with any fused
    /// correction), bits and group size are used; adapters must be fused first.
    /// </summary>
    /// <param name="layer">A layer quantized by <see cref="LayerQuantizer.Quantize"/>, with its inputs installed.</param>
    /// <param name="rope">The model's rotary embedding.</param>
    /// <param name="inputs">The layer's input hidden states [samples, tokens, dim] in the quantized model, on the layer's device.</param>
    /// <param name="settings">GPTQ's damping, block size and column order.</param>
    /// <param name="warn">Hears of each linear whose damping had to be raised (warning QLLM3006).</param>
    public static void Round(DecoderLayer layer, RotaryEmbedding rope, Tensor inputs, GptqSettings settings, Action<string>? warn)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(rope);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(settings);
        using var noGrad = no_grad();
        var linears = LayerQuantizer.NamedLinears(layer).ToDictionary(named => named.Name, named => named.Linear as QuantizedLinear
            ?? throw new InvalidOperationException($"{named.Name} of layer {layer.Index} is not quantized yet"));
        if (linears.FirstOrDefault(pair => pair.Value.HasAdapter) is { Value: not null } trained)
        {
            // Refused before any work: the codes must be those of the final, fused weight.
            throw new InvalidOperationException($"{trained.Key} of layer {layer.Index} still has its adapter; fuse it before rounding with GPTQ");
        }

        foreach (var group in Groups)
        {
            using var hessian = Capture(layer, rope, inputs, group[0]);

            // The forward pass's freed intermediates would sit beside the rounding's [in, in] matrices.
            NativeHeap.ReleaseFreed();
            MemoryTrace.Mark($"layer {layer.Index}: {group[0]}'s Hessian captured");
            foreach (var name in group)
            {
                var linear = linears[name];

                // The last linear of a group may use the Hessian up.
                var result = GptqRounding.Round(linear.Weight, hessian, linear.Bits, linear.GroupSize, settings, $"{name} of layer {layer.Index}", hessianIsScratch: name == group[^1]);
                linear.FixRounding(result.Weight);
                if (result.DampingRaised)
                {
                    warn?.Invoke(string.Create(CultureInfo.InvariantCulture, $"layer {layer.Index} {name}: the calibration Hessian was too ill-conditioned for GPTQ with a damping of {settings.DampingFraction:G3} of its mean diagonal; rounded with {result.DampingFraction:G3} (more calibration samples avoid this)"));
                }
            }

            // What the rounding freed stays in the heap (NativeHeap) under the next forward pass:
            // about 2.2 GB after a 1B model's down_proj (resident 3.9–4.1 GiB, 1.7–1.9 once handed back).
            NativeHeap.ReleaseFreed();
            MemoryTrace.Mark($"layer {layer.Index}: {string.Join(", ", group)} rounded");
        }
    }

    /// <summary>Runs the layer on <paramref name="inputs"/> in chunks up to <paramref name="capturing"/>, and returns the Hessian of that linear's inputs.</summary>
    private static Tensor Capture(DecoderLayer layer, RotaryEmbedding rope, Tensor inputs, string capturing)
    {
        HessianCapture? capture = null;
        LayerQuantizer.SetLinears(layer, (name, linear) => name == capturing ? capture = new HessianCapture(linear) : linear);
        try
        {
            long samples = inputs.shape[0];
            int chunk = CalibrationChunk.Samples(inputs.shape[1]);
            for (long first = 0; first < samples; first += chunk)
            {
                using var part = inputs.narrow(0, first, Math.Min(chunk, samples - first));
                using (NewDisposeScope())
                {
                    try
                    {
                        layer.Forward(part, rope);
                    }
                    catch (HessianCaptured)
                    {
                        // The forward pass stops at the captured linear: what follows it is not needed.
                    }
                }

                CalibrationChunk.ReleaseHeapAfter(part.numel());
            }

            return capture!.Hessian ?? throw new ArgumentException("no calibration samples", nameof(inputs));
        }
        finally
        {
            LayerQuantizer.SetLinears(layer, (_, linear) => linear is HessianCapture wrapper ? wrapper.Inner : linear);
            capture?.Dispose();
        }
    }
}

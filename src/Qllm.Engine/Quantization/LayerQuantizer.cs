using Qllm.Engine.Modeling;
using Qllm.Engine.Quantization.Reassembly;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// Turns a full-precision decoder layer into its quantized form in place: each linear becomes a
/// <see cref="QuantizedLinear"/> over its (reassembled) weight, each linear input a
/// <see cref="LinearInput"/> (reassembly map, then per-token activation quantization), and the
/// q/k/v states get per-head, per-token quantizers.
/// </summary>
internal static class LayerQuantizer
{
    public static void Quantize(DecoderLayer layer, QuantizationSettings settings, IReadOnlyDictionary<ReassemblyPoint, ReassemblyMap> maps)
    {
        using var noGrad = no_grad();
        SetLinears(layer, (name, linear) => Linear(linear, PointOf(name) is { } point ? maps.GetValueOrDefault(point) : null, settings, name));
        InstallInputs(layer, settings, maps);
    }

    /// <summary>
    /// Installs the activation side of a quantized layer: reassembly and per-token quantization at
    /// each linear input, per-head quantization of the q/k/v states. Shared by quantization and by
    /// loading an artifact, so both build the same model.
    /// </summary>
    /// <param name="layer">The layer.</param>
    /// <param name="settings">Activation bits and whether the q/k/v states are quantized.</param>
    /// <param name="maps">The reassembly of each point that has one.</param>
    /// <param name="exact">For finished models: integer-exact products and double attention, as the runtime computes them (see <see cref="LinearInput"/>).</param>
    public static void InstallInputs(DecoderLayer layer, QuantizationSettings settings, IReadOnlyDictionary<ReassemblyPoint, ReassemblyMap> maps, bool exact = false)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(maps);
        var attention = layer.Attention;
        var feedForward = layer.FeedForward;
        var device = layer.AttentionNorm.Weight.device;
        int bits = settings.ActivationBits;
        attention.QkvInput = new LinearInput(maps.GetValueOrDefault(ReassemblyPoint.Qkv), bits, device, exact);
        attention.OutputInput = new LinearInput(null, bits, device, exact);
        feedForward.GateUpInput = new LinearInput(maps.GetValueOrDefault(ReassemblyPoint.GateUp), bits, device, exact);
        feedForward.DownInput = new LinearInput(maps.GetValueOrDefault(ReassemblyPoint.Down), bits, device, exact);
        attention.DoublePrecision = exact;
        if (settings.QuantizeAttentionStates && settings.QuantizesActivations)
        {
            attention.QueryStates = new ActivationQuantizer(bits);
            attention.KeyStates = new ActivationQuantizer(bits);
            attention.ValueStates = new ActivationQuantizer(bits);
        }
    }

    /// <summary>
    /// Replaces each trained <see cref="QuantizedLinear"/> with its final integer form (its fixed
    /// rounding, such as GPTQ's, when it has one, else its weight rounded to nearest) and switches the
    /// layer's inputs to exact mode, and ends any calibration precision
    /// (<see cref="DecoderLayer.CalibrationProducts"/>): from here on it computes what its artifact
    /// computes in the runtime.
    /// </summary>
    public static void Finalize(DecoderLayer layer, QuantizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(layer);
        using var noGrad = no_grad();
        layer.CalibrationProducts = null;
        SetLinears(layer, (name, linear) => linear is QuantizedLinear quantized
            ? new IntegerLinear(quantized.Rounded ?? QuantizedTensor.From(quantized.Weight, quantized.Bits, quantized.GroupSize), name)
            : throw new InvalidOperationException($"{name} of layer {layer.Index} is not quantized yet"));
        var maps = Inputs(layer).Where(pair => pair.Input.Map is not null).ToDictionary(pair => pair.Point, pair => pair.Input.Map!);
        InstallInputs(layer, settings, maps, exact: true);
    }

    /// <summary>Replaces each of the seven linears with what <paramref name="replace"/> makes of it (given its canonical name).</summary>
    public static void SetLinears(DecoderLayer layer, Func<string, nn.Module<Tensor, Tensor>, nn.Module<Tensor, Tensor>> replace)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(replace);
        var attention = layer.Attention;
        var feedForward = layer.FeedForward;
        attention.QueryProjection = replace("self_attn.q_proj", attention.QueryProjection);
        attention.KeyProjection = replace("self_attn.k_proj", attention.KeyProjection);
        attention.ValueProjection = replace("self_attn.v_proj", attention.ValueProjection);
        attention.OutputProjection = replace("self_attn.o_proj", attention.OutputProjection);
        feedForward.GateProjection = replace("mlp.gate_proj", feedForward.GateProjection);
        feedForward.UpProjection = replace("mlp.up_proj", feedForward.UpProjection);
        feedForward.DownProjection = replace("mlp.down_proj", feedForward.DownProjection);
    }

    /// <summary>The layer's seven linears in execution order, with their canonical names.</summary>
    public static IEnumerable<(string Name, nn.Module<Tensor, Tensor> Linear)> NamedLinears(DecoderLayer layer) =>
    [
        ("self_attn.q_proj", layer.Attention.QueryProjection), ("self_attn.k_proj", layer.Attention.KeyProjection),
        ("self_attn.v_proj", layer.Attention.ValueProjection), ("self_attn.o_proj", layer.Attention.OutputProjection),
        ("mlp.gate_proj", layer.FeedForward.GateProjection), ("mlp.up_proj", layer.FeedForward.UpProjection),
        ("mlp.down_proj", layer.FeedForward.DownProjection),
    ];

    /// <summary>The installed inputs of the three reassembly points (see <see cref="InstallInputs"/>).</summary>
    public static IEnumerable<(ReassemblyPoint Point, LinearInput Input)> Inputs(DecoderLayer layer) =>
        new[] { (ReassemblyPoint.Qkv, layer.Attention.QkvInput), (ReassemblyPoint.GateUp, layer.FeedForward.GateUpInput), (ReassemblyPoint.Down, layer.FeedForward.DownInput) }
            .Select(pair => (pair.Item1, pair.Item2 as LinearInput ?? throw new InvalidOperationException($"layer {layer.Index} is not quantized")));

    /// <summary>The layer's quantized linears, in execution order.</summary>
    public static IEnumerable<QuantizedLinear> Linears(DecoderLayer layer) => NamedLinears(layer).Select(named => named.Linear).OfType<QuantizedLinear>();

    /// <summary>The full-precision weights consuming <paramref name="point"/>, for the threshold search.</summary>
    public static IReadOnlyList<Tensor> Consumers(DecoderLayer layer, ReassemblyPoint point) => point switch
    {
        ReassemblyPoint.Qkv => [Weight(layer.Attention.QueryProjection), Weight(layer.Attention.KeyProjection), Weight(layer.Attention.ValueProjection)],
        ReassemblyPoint.GateUp => [Weight(layer.FeedForward.GateProjection), Weight(layer.FeedForward.UpProjection)],
        _ => [Weight(layer.FeedForward.DownProjection)],
    };

    private static Parameter Weight(nn.Module<Tensor, Tensor> linear) => linear switch
    {
        DenseLinear dense => dense.Weight,
        QuantizedLinear quantized => quantized.Weight,
        _ => throw new InvalidOperationException($"unexpected linear {linear.GetType().Name}"),
    };

    /// <summary>The reassembly point whose output feeds the linear named <paramref name="linear"/> (o_proj has none: its point is never reassembled).</summary>
    private static ReassemblyPoint? PointOf(string linear) => linear switch
    {
        "self_attn.q_proj" or "self_attn.k_proj" or "self_attn.v_proj" => ReassemblyPoint.Qkv,
        "mlp.gate_proj" or "mlp.up_proj" => ReassemblyPoint.GateUp,
        "mlp.down_proj" => ReassemblyPoint.Down,
        _ => null,
    };

    private static QuantizedLinear Linear(nn.Module<Tensor, Tensor> linear, ReassemblyMap? map, QuantizationSettings settings, string name)
    {
        var weight = Weight(linear);
        var reassembled = map is null || map.IsIdentity ? weight : map.ApplyToWeight(weight);
        return new QuantizedLinear(reassembled, settings.WeightBits, settings.WeightGroupSize, name);
    }
}

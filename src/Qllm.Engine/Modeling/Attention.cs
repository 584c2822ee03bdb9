using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.Rotation;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

// TorchSharp's RegisterComponents names parameters, buffers and submodules after their fields, so
// these fields keep the state dict's names (q_proj, weight, lora_a) rather than the _camelCase rule.
#pragma warning disable IDE1006
/// <summary>
/// Causal multi-head self-attention with grouped-query support. Each projection and each
/// projection input is a replaceable module, so quantization can swap in quantized linears and
/// activation transforms (channel reassembly, activation quantizers) without touching this code.
/// </summary>
public sealed class Attention : nn.Module, ICalibrationProducts
{
    private readonly LlamaConfig config;
#pragma warning disable IDE0044 // RegisterComponents discovers submodules through fields; the setters below replace them.
    private nn.Module<Tensor, Tensor> q_proj;
    private nn.Module<Tensor, Tensor> k_proj;
    private nn.Module<Tensor, Tensor> v_proj;
    private nn.Module<Tensor, Tensor> o_proj;
    private nn.Module<Tensor, Tensor> qkv_input = nn.Identity();
    private nn.Module<Tensor, Tensor> o_input = nn.Identity();
    private nn.Module<Tensor, Tensor> q_states = nn.Identity();
    private nn.Module<Tensor, Tensor> k_states = nn.Identity();
    private nn.Module<Tensor, Tensor> v_states = nn.Identity();
#pragma warning restore IDE0044

    // Qwen2's q/k/v biases, or null. Kept here rather than in the linears, which any quantizer or
    // rotation replaces or rewrites: a bias is added to the projection's output after its (integer)
    // product, unquantized, in float32, as the runtime adds it. Buffers, not parameters: the error
    // correction trains only norms and adapters, and the bias is never rounded.
    private readonly Tensor? q_bias;
    private readonly Tensor? k_bias;
    private readonly Tensor? v_bias;

    /// <summary>Builds the attention of one layer from its four projection modules and, for Qwen2, the q/k/v biases.</summary>
    public Attention(LlamaConfig config, nn.Module<Tensor, Tensor> query, nn.Module<Tensor, Tensor> key, nn.Module<Tensor, Tensor> value, nn.Module<Tensor, Tensor> output, (Tensor Query, Tensor Key, Tensor Value)? biases = null)
        : base("self_attn")
    {
        this.config = config;
        q_proj = query;
        k_proj = key;
        v_proj = value;
        o_proj = output;
        if (config.AttentionBias != biases.HasValue)
        {
            throw new ArgumentException(config.AttentionBias ? "the config has q/k/v biases, and none were given" : "biases were given for a config without them", nameof(biases));
        }

        if (biases is { } b)
        {
            (q_bias, k_bias, v_bias) = (b.Query.detach(), b.Key.detach(), b.Value.detach());
        }

        RegisterComponents();
    }

    /// <summary>The q, k and v biases (float32, added after each projection), or null when the model has none.</summary>
    public (Tensor Query, Tensor Key, Tensor Value)? Biases => q_bias is null ? null : (q_bias, k_bias!, v_bias!);

    /// <summary>Query projection, dim → heads·headDim.</summary>
    public nn.Module<Tensor, Tensor> QueryProjection { get => q_proj; set => SubmoduleSlot.Replace(this, nameof(q_proj), q_proj = value); }

    /// <summary>Key projection, dim → kvHeads·headDim.</summary>
    public nn.Module<Tensor, Tensor> KeyProjection { get => k_proj; set => SubmoduleSlot.Replace(this, nameof(k_proj), k_proj = value); }

    /// <summary>Value projection, dim → kvHeads·headDim.</summary>
    public nn.Module<Tensor, Tensor> ValueProjection { get => v_proj; set => SubmoduleSlot.Replace(this, nameof(v_proj), v_proj = value); }

    /// <summary>Output projection, heads·headDim → dim.</summary>
    public nn.Module<Tensor, Tensor> OutputProjection { get => o_proj; set => SubmoduleSlot.Replace(this, nameof(o_proj), o_proj = value); }

    /// <summary>Applied to the (normed) input shared by the q/k/v projections; identity by default.</summary>
    public nn.Module<Tensor, Tensor> QkvInput { get => qkv_input; set => SubmoduleSlot.Replace(this, nameof(qkv_input), qkv_input = value); }

    /// <summary>Applied to the input of the output projection; identity by default.</summary>
    public nn.Module<Tensor, Tensor> OutputInput { get => o_input; set => SubmoduleSlot.Replace(this, nameof(o_input), o_input = value); }

    /// <summary>Applied to the query states [batch, heads, tokens, headDim] after the rotary embedding; identity by default.</summary>
    public nn.Module<Tensor, Tensor> QueryStates { get => q_states; set => SubmoduleSlot.Replace(this, nameof(q_states), q_states = value); }

    /// <summary>Applied to the key states [batch, kvHeads, tokens, headDim] after the rotary embedding (before caching); identity by default.</summary>
    public nn.Module<Tensor, Tensor> KeyStates { get => k_states; set => SubmoduleSlot.Replace(this, nameof(k_states), k_states = value); }

    /// <summary>Applied to the value states [batch, kvHeads, tokens, headDim] (before caching); identity by default.</summary>
    public nn.Module<Tensor, Tensor> ValueStates { get => v_states; set => SubmoduleSlot.Replace(this, nameof(v_states), v_states = value); }

    /// <summary>
    /// An orthogonal transform of each query and key head after the rotary embedding (before their
    /// quantizers), or null: q·kᵀ is unchanged, while outliers within a head are spread out.
    /// </summary>
    public OrthogonalTransform? HeadTransform { get; set; }

    /// <summary>
    /// Whether scores, softmax and the weighted sum run in double (rounded once to float at the end).
    /// Set for finished quantized models: their activation codes then follow from values that do not
    /// depend on how a kernel orders its sums, and the managed runtime reproduces them exactly.
    /// </summary>
    public bool DoublePrecision { get; set; }

    /// <inheritdoc />
    /// <remarks>The head transform; null: in double.</remarks>
    public ScalarType? CalibrationProducts { get; set; }

    /// <summary>Attends over <paramref name="x"/> [batch, tokens, dim] at positions start.., using and filling <paramref name="cache"/> when given.</summary>
    public Tensor Forward(Tensor x, RotaryEmbedding rope, int layer, KvCache? cache, int start)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], tokens = x.shape[1];
        var input = qkv_input.call(x);
        var q = WithBias(q_proj.call(input), q_bias).view(batch, tokens, config.Heads, config.HeadDim).transpose(1, 2);
        var k = WithBias(k_proj.call(input), k_bias).view(batch, tokens, config.KvHeads, config.HeadDim).transpose(1, 2);
        var v = WithBias(v_proj.call(input), v_bias).view(batch, tokens, config.KvHeads, config.HeadDim).transpose(1, 2);
        q = rope.Apply(q, start);
        k = rope.Apply(k, start);
        if (HeadTransform is { } heads)
        {
            (q, k) = CalibrationProducts is { } type ? (heads.ApplyIn(q, type), heads.ApplyIn(k, type)) : (heads.Apply(q), heads.Apply(k));
        }

        q = q_states.call(q);
        k = k_states.call(k);
        v = v_states.call(v);
        if (cache is not null)
        {
            (k, v) = cache.Append(layer, k, v, start);
        }

        int group = config.Heads / config.KvHeads;
        if (group > 1)
        {
            k = k.repeat_interleave(group, dim: 1);
            v = v.repeat_interleave(group, dim: 1);
        }

        if (DoublePrecision)
        {
            (q, k, v) = (q.to(ScalarType.Float64), k.to(ScalarType.Float64), v.to(ScalarType.Float64));
        }

        var attended = tokens == 1
            ? nn.functional.scaled_dot_product_attention(q, k, v)
            : start == 0
                ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true)
                : nn.functional.scaled_dot_product_attention(q, k, v, CausalMask(tokens, start, x.device));
        var merged = attended.to(x.dtype).transpose(1, 2).reshape(batch, tokens, config.Dim);
        return o_proj.call(o_input.call(merged)).MoveToOuterDisposeScope();
    }

    private static Tensor WithBias(Tensor projected, Tensor? bias) => bias is null ? projected : projected + bias.to(projected.dtype);

    // Query i (at position start + i) may see keys 0 .. start + i.
    private static Tensor CausalMask(long tokens, int start, Device device) =>
        ones([tokens, start + tokens], ScalarType.Bool, device).tril(start);
}

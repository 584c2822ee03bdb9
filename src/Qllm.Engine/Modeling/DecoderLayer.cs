using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

// TorchSharp's RegisterComponents names parameters, buffers and submodules after their fields, so
// these fields keep the state dict's names (q_proj, weight, lora_a) rather than the _camelCase rule.
#pragma warning disable IDE1006
/// <summary>One pre-norm LLaMA decoder layer: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class DecoderLayer : nn.Module
{
    private readonly int index;
#pragma warning disable IDE0044 // RegisterComponents discovers submodules through fields.
    private RmsNorm input_layernorm;
    private Attention self_attn;
    private RmsNorm post_attention_layernorm;
    private FeedForward mlp;
#pragma warning restore IDE0044

    /// <summary>Builds layer <paramref name="index"/> from its parts.</summary>
    public DecoderLayer(int index, RmsNorm attentionNorm, Attention attention, RmsNorm feedForwardNorm, FeedForward feedForward)
        : base($"layer{index}")
    {
        this.index = index;
        input_layernorm = attentionNorm;
        self_attn = attention;
        post_attention_layernorm = feedForwardNorm;
        mlp = feedForward;
        RegisterComponents();
    }

    /// <summary>The layer's position in the model.</summary>
    public int Index => index;

    /// <summary>RMSNorm before attention.</summary>
    public RmsNorm AttentionNorm => input_layernorm;

    /// <summary>The attention block.</summary>
    public Attention Attention => self_attn;

    /// <summary>RMSNorm before the MLP.</summary>
    public RmsNorm FeedForwardNorm => post_attention_layernorm;

    /// <summary>The MLP block.</summary>
    public FeedForward FeedForward => mlp;

    /// <summary>
    /// Null for a finished model: the RMSNorm factors, SiLU and the online transforms run in double,
    /// rounded once, because the runtime reproduces that exactly. The quantizer sets a type while it
    /// calibrates (targets, GPTQ's Hessians, the correction's training steps): those then run in
    /// float32, and every matrix product of the layer (its linears, their inputs' reassembly and the
    /// online transforms) in this type, since such values only steer the quantization. The double
    /// products and exps were about a third of the training time, and bfloat16 products run at 3–5
    /// times float32's speed where the CPU has them (<see cref="Torch.CalibrationPrecision"/>).
    /// </summary>
    public ScalarType? CalibrationProducts
    {
        // The MLP is never replaced (only the modules inside it are), so it holds the layer's setting.
        get => mlp.CalibrationProducts;
        set
        {
            input_layernorm.InFloat = post_attention_layernorm.InFloat = value is not null;
            foreach (var module in modules().OfType<ICalibrationProducts>())
            {
                module.CalibrationProducts = value;
            }
        }
    }

    /// <summary>Runs the layer on hidden states [batch, tokens, dim] at positions start...</summary>
    public Tensor Forward(Tensor x, RotaryEmbedding rope, KvCache? cache = null, int start = 0)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.Forward(input_layernorm.call(x), rope, index, cache, start);
        return (h + mlp.call(post_attention_layernorm.call(h))).MoveToOuterDisposeScope();
    }
}

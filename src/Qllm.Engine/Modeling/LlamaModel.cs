using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

// TorchSharp's RegisterComponents names parameters, buffers and submodules after their fields, so
// these fields keep the state dict's names (q_proj, weight, lora_a) rather than the _camelCase rule.
#pragma warning disable IDE1006
/// <summary>
/// The full-precision LLaMA forward pass. Besides the whole forward, it exposes its stages
/// (<see cref="Embed"/>, <see cref="Layers"/>, <see cref="Head"/>) so that block-wise work such as
/// calibration can run the model layer by layer and capture each block's inputs and outputs.
/// </summary>
public sealed class LlamaModel : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE0044 // RegisterComponents discovers parameters and submodules through fields.
    private Parameter embed_tokens;
    private ModuleList<DecoderLayer> layers;
    private RmsNorm norm;
    private nn.Module<Tensor, Tensor> lm_head;
#pragma warning restore IDE0044
    private readonly RotaryEmbedding rope;
    private readonly DecoderLayer[] layerList;

    // Streaming: the file the layers' linears are read from, what is done to a layer once it is read
    // (the rotation), and the weights read for each layer, released once it is quantized.
    private readonly DeferredTensors? deferred;
    private readonly List<Action<DecoderLayer>> layerLoaded = [];
    private readonly Dictionary<int, List<DenseLinear>> loadedLinears = [];

    private LlamaModel(LlamaConfig config, Device device, Parameter embedding, IEnumerable<DecoderLayer> decoderLayers, RmsNorm finalNorm, nn.Module<Tensor, Tensor> head, DeferredTensors? deferredTensors = null)
        : base("llama")
    {
        deferred = deferredTensors;
        Config = config;
        Device = device;
        embed_tokens = embedding;
        layerList = [.. decoderLayers];
        layers = new ModuleList<DecoderLayer>(layerList);
        norm = finalNorm;
        lm_head = head;
        rope = new RotaryEmbedding(config, device);
        RegisterComponents();
    }

    /// <summary>The model's shape.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Where the weights live.</summary>
    public Device Device { get; }

    /// <summary>The decoder layers, in order.</summary>
    public IReadOnlyList<DecoderLayer> Layers => layerList;

    /// <summary>The rotary tables shared by all layers.</summary>
    public RotaryEmbedding Rope => rope;

    /// <summary>The token embedding [vocab, dim] (shared with the classifier when tied).</summary>
    public Parameter EmbeddingWeight => embed_tokens;

    /// <summary>The final norm.</summary>
    public RmsNorm FinalNorm => norm;

    /// <summary>The classifier; replaceable (a tied classifier shares the embedding tensor).</summary>
    public nn.Module<Tensor, Tensor> Classifier { get => lm_head; set => SubmoduleSlot.Replace(this, nameof(lm_head), lm_head = value); }

    /// <summary>
    /// The rotation of the residual stream, or null: applied to each embedded token (x·Q) and
    /// undone before the final norm (h·Qᵀ), so the embedding stays unrotated and tied to the classifier.
    /// </summary>
    public OrthogonalTransform? ResidualTransform { get; set; }

    /// <summary>Whether the layers' linears are read from the model's file one layer at a time (<see cref="LoadLayer"/>).</summary>
    internal bool Streams => deferred is not null;

    /// <summary>
    /// Builds the model from a checkpoint, copying its tensors to <paramref name="device"/>. The
    /// linears a streaming checkpoint left in its files stay there until <see cref="LoadLayer"/>;
    /// the model then owns those files.
    /// </summary>
    public static LlamaModel FromCheckpoint(LlamaCheckpoint checkpoint, Device device)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var config = checkpoint.Config;
        var t = checkpoint.Tensors;
        var deferred = checkpoint.Deferred;
        Tensor On(string name) => t[name].to(device);
        var decoderLayers = Enumerable.Range(0, config.Layers).Select(l =>
        {
            nn.Module<Tensor, Tensor> Linear(string name) => deferred is not null && deferred.Contains(TensorNames.Linear(l, name))
                ? new DeferredLinear(TensorNames.Linear(l, name), name)
                : new DenseLinear(On(TensorNames.Linear(l, name)), name);
            (Tensor, Tensor, Tensor)? biases = config.AttentionBias
                ? (On(TensorNames.Bias(l, "self_attn.q_proj")), On(TensorNames.Bias(l, "self_attn.k_proj")), On(TensorNames.Bias(l, "self_attn.v_proj")))
                : null;
            var attention = new Attention(config, Linear("self_attn.q_proj"), Linear("self_attn.k_proj"), Linear("self_attn.v_proj"), Linear("self_attn.o_proj"), biases);
            var feedForward = new FeedForward(Linear("mlp.gate_proj"), Linear("mlp.up_proj"), Linear("mlp.down_proj"));
            return new DecoderLayer(l, new RmsNorm(On(TensorNames.AttentionNorm(l)), config.RmsNormEps), attention, new RmsNorm(On(TensorNames.FeedForwardNorm(l)), config.RmsNormEps), feedForward);
        }).ToList();
        var embedding = new Parameter(On(TensorNames.Embedding).detach(), requires_grad: false);
        var head = config.TiedEmbeddings ? new DenseLinear(embedding, "lm_head") : new DenseLinear(On(TensorNames.Classifier), "lm_head");
        return new LlamaModel(config, device, embedding, decoderLayers, new RmsNorm(On(TensorNames.FinalNorm), config.RmsNormEps), head, checkpoint.TakeDeferred());
    }

    /// <summary>Whether <paramref name="layer"/>'s linears are still in the model's file.</summary>
    internal static bool IsDeferred(DecoderLayer layer) => Linears(layer).Any(linear => linear is DeferredLinear);

    /// <summary>
    /// Reads <paramref name="layer"/>'s linears from the model's file into float32 on the model's
    /// device, then applies what <see cref="OnLayerLoaded"/> registered (the rotation). Does nothing
    /// for a layer that is already loaded.
    /// </summary>
    internal void LoadLayer(DecoderLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (deferred is null || !IsDeferred(layer))
        {
            return;
        }

        var read = new List<DenseLinear>();
        using (no_grad())
        {
            LayerQuantizer.SetLinears(layer, (name, linear) =>
            {
                if (linear is not DeferredLinear placeholder)
                {
                    return linear;
                }

                using var value = deferred.Read(placeholder.TensorName);
                using var moved = value.to(Device);
                var dense = new DenseLinear(moved, name);
                read.Add(dense);
                return dense;
            });
        }

        loadedLinears[layer.Index] = read;
        foreach (var action in layerLoaded)
        {
            action(layer);
        }
    }

    /// <summary>Registers what is done to each layer read from now on (a rotation folded into its weights).</summary>
    internal void OnLayerLoaded(Action<DecoderLayer> action) => layerLoaded.Add(action);

    /// <summary>
    /// Frees the float32 weights <see cref="LoadLayer"/> read for <paramref name="layer"/>, once the
    /// layer has replaced them with its quantized form, rather than waiting for the garbage collector,
    /// which does not see native memory.
    /// </summary>
    internal void ReleaseLayer(DecoderLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!loadedLinears.Remove(layer.Index, out var read))
        {
            return;
        }

        var inUse = Linears(layer).ToHashSet();
        foreach (var dense in read.Where(dense => !inUse.Contains(dense)))
        {
            dense.Dispose();
        }
    }

    private static IEnumerable<nn.Module<Tensor, Tensor>> Linears(DecoderLayer layer) => LayerQuantizer.NamedLinears(layer).Select(named => named.Linear);

    /// <summary>Token ids [batch, tokens] → hidden states [batch, tokens, dim].</summary>
    public Tensor Embed(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var embedded = embed_tokens.index_select(0, tokens.flatten()).unflatten(0, tokens.shape);
        return (ResidualTransform is { } rotation ? rotation.Apply(embedded) : embedded).MoveToOuterDisposeScope();
    }

    /// <summary>Hidden states [batch, tokens, dim] → logits [batch, tokens, vocab].</summary>
    public Tensor Head(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var unrotated = ResidualTransform is { } rotation ? rotation.ApplyTranspose(hidden) : hidden;
        return lm_head.call(norm.call(unrotated)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits for <paramref name="tokens"/> [batch, tokens] at positions start.., using and filling <paramref name="cache"/> when given.</summary>
    public Tensor Logits(Tensor tokens, KvCache? cache, int start)
    {
        using var scope = NewDisposeScope();
        var hidden = Embed(tokens);
        foreach (var layer in layerList)
        {
            hidden = layer.Forward(hidden, rope, cache, start);
        }

        return Head(hidden).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Logits(input, cache: null, start: 0);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rope.Dispose();
            deferred?.Dispose();
            // The layers share their online transforms: each is disposed once.
            var transforms = layerList.SelectMany(l => new[] { l.Attention.HeadTransform, l.FeedForward.DownTransform }).Append(ResidualTransform);
            foreach (var transform in transforms.OfType<OrthogonalTransform>().Distinct())
            {
                transform.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

using Qllm.Engine.Modeling;
using Qllm.Engine.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Rotation;

/// <summary>
/// Rotates a full-precision model as QuaRot does, so that it computes the same logits while its
/// activations lose their outlier channels, which is what makes 4-bit activations workable.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>Each layer's RMSNorm weight g is fused into the linears that read the norm (W ← W·diag(g))
/// and set to 1: a norm with weight 1 commutes with an orthogonal Q, since ‖x·Q‖ = ‖x‖.</item>
/// <item>The residual stream is rotated by Q = diag(s)·H/√n with seeded random signs: every linear
/// that reads it (q/k/v, gate/up) W ← W·Q, since (x·Q)(W·Q)ᵀ = x·Wᵀ, and every linear that writes
/// into it (o_proj, down_proj) W ← Qᵀ·W. The embedding and the final norm are left alone, so a tied
/// classifier stays tied (docs/architecture.md: one 8-bit matrix, not a rotated second copy): Q is applied online to each embedded token and
/// undone before the final norm.</item>
/// <item>Per head, H_h (Hadamard of the head size) is folded into v_proj's rows (and its bias, if any) and o_proj's columns:
/// the value states are rotated for free. Queries and keys are rotated online by H_h after the
/// rotary embedding, before their quantizers: q·kᵀ is unchanged.</item>
/// <item>The down projection's input is rotated online by H (Hadamard of the hidden size) and its
/// weight W ← W·H.</item>
/// </list>
/// Products are taken in float64 and rounded once to each weight's dtype. Weights are overwritten
/// through their storage, like the quantizers do: a CPU model shares it with the checkpoint it was
/// built from.
/// </remarks>
internal static class ModelRotation
{
    /// <summary>Rotates <paramref name="model"/> in place; returns the online transforms it now applies.</summary>
    /// <exception cref="InvalidOperationException">A linear of the model is not a <see cref="DenseLinear"/> (already quantized or rotated).</exception>
    public static IReadOnlyList<RotationSite> Apply(LlamaModel model, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.ResidualTransform is not null)
        {
            throw new InvalidOperationException("the model is already rotated");
        }

        // Checked before anything changes: a failure must not leave a half-rotated model.
        var quantized = model.Layers.SelectMany(LayerQuantizer.NamedLinears).Select(named => named.Linear).FirstOrDefault(linear => linear is not (DenseLinear or DeferredLinear));
        if (quantized is not null)
        {
            throw new InvalidOperationException($"the rotation folds into full-precision weights; {quantized.GetName()} is a {quantized.GetType().Name}");
        }

        var config = model.Config;
        var residual = OrthogonalTransforms.Create(config.Dim, seed, randomSigns: true);
        var heads = OrthogonalTransforms.Create(config.HeadDim, seed + 1, randomSigns: false);
        var down = OrthogonalTransforms.Create(config.HiddenDim, seed + 2, randomSigns: false);
        void RotateLayer(DecoderLayer layer)
        {
            using var noGrad = no_grad();
            Rotate(layer, residual, heads, down);
        }

        // A layer still in the model's file is rotated as it is read: each layer's rotation depends
        // on that layer alone, so the weights come out the same as when all are rotated at once.
        model.OnLayerLoaded(RotateLayer);
        foreach (var layer in model.Layers.Where(layer => !LlamaModel.IsDeferred(layer)))
        {
            RotateLayer(layer);
        }

        IReadOnlyList<RotationSite> sites = [new(RotationSite.Residual, residual), new(RotationSite.Heads, heads), new(RotationSite.Down, down)];
        Install(model, sites);
        return sites;
    }

    /// <summary>The online transforms <paramref name="model"/> applies (empty when it is not rotated).</summary>
    public static IReadOnlyList<RotationSite> Sites(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var first = model.Layers[0];
        return new (string Name, OrthogonalTransform? Transform)[]
            {
                (RotationSite.Residual, model.ResidualTransform), (RotationSite.Heads, first.Attention.HeadTransform), (RotationSite.Down, first.FeedForward.DownTransform),
            }
            .Where(site => site.Transform is not null)
            .Select(site => new RotationSite(site.Name, site.Transform!))
            .ToList();
    }

    /// <summary>Makes <paramref name="model"/> apply <paramref name="sites"/> online, for a model whose weights are already rotated (an artifact's).</summary>
    public static void Install(LlamaModel model, IEnumerable<RotationSite> sites)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sites);
        foreach (var site in sites)
        {
            switch (site.Name)
            {
                case RotationSite.Residual:
                    model.ResidualTransform = site.Transform;
                    break;
                case RotationSite.Heads:
                    foreach (var layer in model.Layers)
                    {
                        layer.Attention.HeadTransform = site.Transform;
                    }

                    break;
                case RotationSite.Down:
                    foreach (var layer in model.Layers)
                    {
                        layer.FeedForward.DownTransform = site.Transform;
                    }

                    break;
                default:
                    throw new ArgumentException($"unknown rotation site '{site.Name}'", nameof(sites));
            }
        }
    }

    // Q is applied factored to the rows of each weight (W·Q) or to its columns (Qᵀ·W = (Wᵀ·Q)ᵀ);
    // the head transform, of the head size, is small enough to use dense.
    private static void Rotate(DecoderLayer layer, OrthogonalTransform residual, OrthogonalTransform head, OrthogonalTransform down)
    {
        using var scope = NewDisposeScope();
        var device = layer.AttentionNorm.Weight.device;
        var h = head.ToDense().to(device);
        var attention = layer.Attention;
        var feedForward = layer.FeedForward;

        var attentionNorm = TakeNormWeight(layer.AttentionNorm);
        Update(attention.QueryProjection, w => residual.Apply(w * attentionNorm));
        Update(attention.KeyProjection, w => residual.Apply(w * attentionNorm));
        Update(attention.ValueProjection, w => PerHeadRows(h.t(), residual.Apply(w * attentionNorm)));
        if (attention.Biases is { } biases)
        {
            // The value states come out rotated by H per head, so v's bias must be turned with them
            // (Hᵀ·b per head); q and k are rotated online after their bias is added, so theirs stay.
            var bias = biases.Value;
            bias.copy_(PerHeadRows(h.t(), bias.to(ScalarType.Float64).unsqueeze(1)).squeeze(1).to(bias.dtype));
        }

        Update(attention.OutputProjection, w => Columns(residual, PerHeadColumns(w, h)));

        var feedForwardNorm = TakeNormWeight(layer.FeedForwardNorm);
        Update(feedForward.GateProjection, w => residual.Apply(w * feedForwardNorm));
        Update(feedForward.UpProjection, w => residual.Apply(w * feedForwardNorm));
        Update(feedForward.DownProjection, w => down.Apply(Columns(residual, w)));
    }

    /// <summary>Qᵀ·W: the columns of W [n, in] turned by Qᵀ, as (Wᵀ·Q)ᵀ.</summary>
    private static Tensor Columns(OrthogonalTransform transform, Tensor w) => transform.Apply(w.t()).t();

    /// <summary>Hᵀ·W for each head's block of rows of W [heads·d, in]: that head's outputs come out rotated by H.</summary>
    private static Tensor PerHeadRows(Tensor left, Tensor w)
    {
        long d = left.shape[0];
        return left.matmul(w.view(-1, d, w.shape[1])).view(w.shape);
    }

    /// <summary>W·H for each head's block of columns of W [out, heads·d]: it reads the head rotated by H.</summary>
    private static Tensor PerHeadColumns(Tensor w, Tensor right)
    {
        long d = right.shape[0];
        return w.view(w.shape[0], -1, d).matmul(right).view(w.shape);
    }

    /// <summary>Returns the norm's weight in float64 and sets it to 1, its scaling now owed by the linears that read it.</summary>
    private static Tensor TakeNormWeight(RmsNorm norm)
    {
        var weight = norm.Weight.to(ScalarType.Float64, copy: true);
        norm.Weight.fill_(1);
        return weight;
    }

    // Each linear's float64 intermediates are freed before the next linear's exist: a layer's
    // weights take 16 bytes each in float64 twice over, 1.1 GB at a 1B model's layer when the
    // whole layer's were kept until its rotation ended.
    private static void Update(nn.Module<Tensor, Tensor> linear, Func<Tensor, Tensor> rotate)
    {
        using var scope = NewDisposeScope();
        var weight = ((DenseLinear)linear).Weight;
        weight.copy_(rotate(weight.to(ScalarType.Float64)).to(weight.dtype));
    }
}

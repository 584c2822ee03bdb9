using Qllm.Engine.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Rotation;

/// <summary>
/// Rotates a full-precision model's residual stream by an orthogonal Q (QuaRot's first step) so that
/// it still computes the same logits: the stream then carries x·Q, whose outlier channels are spread
/// over all channels, which is what makes the later 4-bit activation quantization easier.
/// </summary>
/// <remarks>
/// Two steps, both exact in real arithmetic. First each RMSNorm's weight g is fused into the linears
/// that read the norm (W ← W·diag(g)) and set to 1: a norm with weight 1 commutes with an orthogonal
/// Q because ‖x·Q‖ = ‖x‖. Then Q is folded in: the embedding E ← E·Q, every linear that reads the
/// stream (q/k/v, gate/up, the classifier) W ← W·Q, since (x·Q)(W·Q)ᵀ = x·Wᵀ, and every linear that
/// writes into it (o_proj, down_proj) W ← Qᵀ·W, so its output lands already rotated. The products
/// are taken in float64 and rounded once to each weight's dtype.
/// </remarks>
internal static class ResidualRotation
{
    /// <summary>
    /// Rotates <paramref name="model"/> in place by the orthogonal float64 <paramref name="rotation"/>
    /// [dim, dim]. A tied classifier is untied: it needs the final norm's weight fused in, the
    /// embedding does not. The product should keep the pair tied (DESIGN.md, "Artifact size") by
    /// applying the final norm's weight and Q online before the classifier; this foundation keeps
    /// the logits exact with a separate classifier instead. Tied, the classifier would take the
    /// rotated stream through an online Qᵀ, the unfused final norm and an online Q, so that E·Q
    /// serves both the embedding lookup and the classifier.
    /// </summary>
    /// <remarks>
    /// The weights are overwritten through their storage, like the quantizers do: a CPU model shares
    /// that storage with the <see cref="Models.LlamaCheckpoint"/> it was built from, which therefore
    /// changes too; build the model from a copy to keep the original.
    /// </remarks>
    /// <exception cref="InvalidOperationException">A linear of the model is not a <see cref="DenseLinear"/> (already quantized).</exception>
    public static void Apply(LlamaModel model, Tensor rotation)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rotation);
        var dim = model.Config.Dim;
        if (rotation.shape is not [var rows, var cols] || rows != dim || cols != dim)
        {
            throw new ArgumentException($"the rotation must be [{dim}, {dim}], got [{string.Join(", ", rotation.shape)}]", nameof(rotation));
        }

        using var noGrad = no_grad();
        using var untiedClassifier = FoldAll(model, rotation);
        if (untiedClassifier is not null)
        {
            // The new weight belongs to the model, not to a dispose scope the caller may have open;
            // the old head is not disposed: it only wraps the embedding, which the model still owns.
            var head = new DenseLinear(untiedClassifier, "lm_head");
            head.Weight.DetachFromDisposeScope();
            model.Classifier = head;
        }
    }

    /// <summary>Folds everything in place; returns the classifier's new weight when it was tied to the embedding and must be split off.</summary>
    private static Tensor? FoldAll(LlamaModel model, Tensor rotation)
    {
        using var scope = NewDisposeScope();
        var q = rotation.to(ScalarType.Float64, model.Device);
        var qt = q.t();

        foreach (var layer in model.Layers)
        {
            var attention = layer.Attention;
            var attentionNorm = TakeNormWeight(layer.AttentionNorm);
            foreach (var reader in new[] { attention.QueryProjection, attention.KeyProjection, attention.ValueProjection })
            {
                Fold(Dense(reader), w => w * attentionNorm, q);
            }

            var feedForward = layer.FeedForward;
            var feedForwardNorm = TakeNormWeight(layer.FeedForwardNorm);
            foreach (var reader in new[] { feedForward.GateProjection, feedForward.UpProjection })
            {
                Fold(Dense(reader), w => w * feedForwardNorm, q);
            }

            // Writers: their [out = dim] side is the stream, so Q multiplies from the left as Qᵀ·W.
            var output = Dense(attention.OutputProjection).Weight;
            output.copy_(qt.matmul(output.to(ScalarType.Float64)).to(output.dtype));
            var down = Dense(feedForward.DownProjection).Weight;
            down.copy_(qt.matmul(down.to(ScalarType.Float64)).to(down.dtype));
        }

        // The classifier is read before the embedding changes: when tied they are one tensor.
        var finalNorm = TakeNormWeight(model.FinalNorm);
        var classifier = Dense(model.Classifier).Weight;
        var rotatedClassifier = (classifier.to(ScalarType.Float64) * finalNorm).matmul(q).to(classifier.dtype);
        var embedding = model.EmbeddingWeight;
        embedding.copy_(embedding.to(ScalarType.Float64).matmul(q).to(embedding.dtype));
        if (ReferenceEquals(classifier, embedding))
        {
            return rotatedClassifier.DetachFromDisposeScope();
        }

        classifier.copy_(rotatedClassifier);
        return null;
    }

    /// <summary>Returns the norm's weight in float64 and sets it to 1, its scaling now owed by the linears that read it.</summary>
    private static Tensor TakeNormWeight(RmsNorm norm)
    {
        var weight = norm.Weight.to(ScalarType.Float64, copy: true);
        norm.Weight.fill_(1);
        return weight;
    }

    /// <summary>W ← scale(W)·Q for a linear that reads the stream; <paramref name="scale"/> fuses its norm's weight along the input axis.</summary>
    private static void Fold(DenseLinear linear, Func<Tensor, Tensor> scale, Tensor q)
    {
        var weight = linear.Weight;
        weight.copy_(scale(weight.to(ScalarType.Float64)).matmul(q).to(weight.dtype));
    }

    private static DenseLinear Dense(nn.Module<Tensor, Tensor> linear) =>
        linear as DenseLinear ?? throw new InvalidOperationException($"the rotation folds into full-precision weights; {linear.GetName()} is a {linear.GetType().Name}");
}

using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;

namespace Qllm.Engine.Loading.HuggingFace;

/// <summary>The tensors a LLaMA model of a given shape has, in the order the model runs them.</summary>
internal static class LlamaTensorLayout
{
    /// <summary>Every tensor of <paramref name="config"/>: the classifier only when not tied, q/k/v biases only with <see cref="LlamaConfig.AttentionBias"/>.</summary>
    public static IReadOnlyList<ExpectedTensor> Expected(LlamaConfig config)
    {
        long dim = config.Dim;
        long hidden = config.HiddenDim;
        long kvDim = config.KvDim;
        var tensors = new List<ExpectedTensor> { new(TensorNames.Embedding, [config.VocabSize, dim]) };
        for (var layer = 0; layer < config.Layers; layer++)
        {
            tensors.Add(new(TensorNames.AttentionNorm(layer), [dim]));
            tensors.Add(new(TensorNames.Linear(layer, "self_attn.q_proj"), [dim, dim]));
            tensors.Add(new(TensorNames.Linear(layer, "self_attn.k_proj"), [kvDim, dim]));
            tensors.Add(new(TensorNames.Linear(layer, "self_attn.v_proj"), [kvDim, dim]));
            if (config.AttentionBias)
            {
                tensors.Add(new(TensorNames.Bias(layer, "self_attn.q_proj"), [dim]));
                tensors.Add(new(TensorNames.Bias(layer, "self_attn.k_proj"), [kvDim]));
                tensors.Add(new(TensorNames.Bias(layer, "self_attn.v_proj"), [kvDim]));
            }

            tensors.Add(new(TensorNames.Linear(layer, "self_attn.o_proj"), [dim, dim]));
            tensors.Add(new(TensorNames.FeedForwardNorm(layer), [dim]));
            tensors.Add(new(TensorNames.Linear(layer, "mlp.gate_proj"), [hidden, dim]));
            tensors.Add(new(TensorNames.Linear(layer, "mlp.up_proj"), [hidden, dim]));
            tensors.Add(new(TensorNames.Linear(layer, "mlp.down_proj"), [dim, hidden]));
        }

        tensors.Add(new(TensorNames.FinalNorm, [dim]));
        if (!config.TiedEmbeddings)
        {
            tensors.Add(new(TensorNames.Classifier, [config.VocabSize, dim]));
        }

        return tensors;
    }
}

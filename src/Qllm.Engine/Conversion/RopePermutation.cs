using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Conversion;

/// <summary>
/// Reorders the rows of a q or k projection from llama2.c's adjacent-pair rotary layout to
/// Hugging Face's half-split layout: within each head, output row 2j+p moves to row p·headDim/2 + j.
/// Attention scores are unchanged because q and k get the same reordering.
/// </summary>
public static class RopePermutation
{
    /// <summary>Returns the weight [heads·headDim, in] with rows in half-split order.</summary>
    public static Tensor ToHalfSplit(Tensor weight, int heads)
    {
        ArgumentNullException.ThrowIfNull(weight);
        long rows = weight.shape[0], columns = weight.shape[1], half = rows / heads / 2;
        return weight.view(heads, half, 2, columns).transpose(1, 2).reshape(rows, columns).contiguous();
    }

    /// <summary>The same model with q/k rows in half-split order (new tensors; the source is untouched).</summary>
    public static LlamaCheckpoint ToHalfSplit(LlamaCheckpoint source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var config = source.Config;
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in source.Tensors)
        {
            tensors[name] = name.EndsWith("self_attn.q_proj.weight", StringComparison.Ordinal) ? RopePermutation.ToHalfSplit(tensor, config.Heads)
                : name.EndsWith("self_attn.k_proj.weight", StringComparison.Ordinal) ? RopePermutation.ToHalfSplit(tensor, config.KvHeads)
                : tensor.clone();
        }

        return new LlamaCheckpoint(config with { RopeLayout = RopeLayout.HalfSplit }, tensors, source.Source);
    }
}

using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.Loading.HuggingFace;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

/// <summary>A Hugging Face model folder of any shape with seeded random weights, for widths no real small checkpoint has.</summary>
internal static class RandomCheckpoint
{
    /// <summary>Writes the model to <paramref name="path"/> and returns it.</summary>
    public static string Write(LlamaConfig config, string path)
    {
        var generator = new Generator(5);
        Tensor Random(params long[] shape) => randn(shape, generator: generator) * 0.05;
        var tensors = new Dictionary<string, Tensor>
        {
            [TensorNames.Embedding] = Random(config.VocabSize, config.Dim),
            [TensorNames.FinalNorm] = ones(config.Dim),
        };
        for (int layer = 0; layer < config.Layers; layer++)
        {
            tensors[TensorNames.AttentionNorm(layer)] = ones(config.Dim) + Random(config.Dim);
            tensors[TensorNames.FeedForwardNorm(layer)] = ones(config.Dim) + Random(config.Dim);
            foreach (var linear in TensorNames.LayerLinears)
            {
                var (rows, columns) = linear switch
                {
                    "mlp.gate_proj" or "mlp.up_proj" => (config.HiddenDim, config.Dim),
                    "mlp.down_proj" => (config.Dim, config.HiddenDim),
                    _ => (config.Dim, config.Dim),
                };
                tensors[TensorNames.Linear(layer, linear)] = Random(rows, columns);
            }
        }

        using var checkpoint = new LlamaCheckpoint(config, tensors, path);
        HuggingFaceCheckpointWriter.Write(checkpoint, path);
        return path;
    }
}

using Qllm.Artifacts.Schema;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Loading;

/// <summary>
/// A LLaMA model's configuration and its float32 CPU tensors under <see cref="TensorNames"/>,
/// whatever file format they came from. Owns the tensors.
/// </summary>
public sealed class LlamaCheckpoint : IDisposable
{
    /// <summary>Creates a checkpoint that takes ownership of <paramref name="tensors"/>.</summary>
    public LlamaCheckpoint(LlamaConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        Config = config;
        Tensors = tensors;
        Source = source;
    }

    /// <summary>The model's shape.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The tensors, by canonical name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The file or folder the checkpoint was read from (for error messages).</summary>
    public string Source { get; }

    /// <summary>The classifier weight: <see cref="TensorNames.Classifier"/>, or the embedding when tied.</summary>
    public Tensor Classifier => Config.TiedEmbeddings ? Tensors[TensorNames.Embedding] : Tensors[TensorNames.Classifier];

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}

using Qllm.Artifacts.Schema;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Loading;

/// <summary>
/// A LLaMA model's configuration and its float32 CPU tensors under <see cref="TensorNames"/>,
/// whatever file format they came from. Owns the tensors. A checkpoint read for streaming leaves
/// the decoder layers' linears in their files (<see cref="Deferred"/>), and those are not in <see cref="Tensors"/>.
/// </summary>
public sealed class LlamaCheckpoint : IDisposable
{
    private DeferredTensors? _deferred;

    /// <summary>Creates a checkpoint that takes ownership of <paramref name="tensors"/>.</summary>
    public LlamaCheckpoint(LlamaConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source)
        : this(config, tensors, source, deferred: null)
    {
    }

    /// <summary>Creates a checkpoint that takes ownership of <paramref name="tensors"/> and <paramref name="deferred"/>.</summary>
    internal LlamaCheckpoint(LlamaConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source, DeferredTensors? deferred)
    {
        Config = config;
        Tensors = tensors;
        Source = source;
        _deferred = deferred;
    }

    /// <summary>The model's shape.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The tensors, by canonical name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The file or folder the checkpoint was read from (for error messages).</summary>
    public string Source { get; }

    /// <summary>The classifier weight: <see cref="TensorNames.Classifier"/>, or the embedding when tied.</summary>
    public Tensor Classifier => Config.TiedEmbeddings ? Tensors[TensorNames.Embedding] : Tensors[TensorNames.Classifier];

    /// <summary>The tensors left in their files, or null when every tensor is in <see cref="Tensors"/>.</summary>
    internal DeferredTensors? Deferred => _deferred;

    /// <summary>Hands <see cref="Deferred"/> to a new owner (the model that reads from it).</summary>
    internal DeferredTensors? TakeDeferred()
    {
        var deferred = _deferred;
        _deferred = null;
        return deferred;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _deferred?.Dispose();
        _deferred = null;
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}

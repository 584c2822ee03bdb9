using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

/// <summary>
/// Stands for a linear whose weight is still in the model's file (<see cref="LlamaModel.LoadLayer"/>
/// reads it in). It cannot run: a layer is loaded before anything reads it.
/// </summary>
internal sealed class DeferredLinear : nn.Module<Tensor, Tensor>
{
    /// <summary>Stands for the weight stored as <paramref name="tensorName"/>.</summary>
    public DeferredLinear(string tensorName, string name)
        : base(name)
    {
        TensorName = tensorName;
    }

    /// <summary>The weight's name in the checkpoint.</summary>
    public string TensorName { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException($"{TensorName} is not loaded yet: load its layer before running it");
}

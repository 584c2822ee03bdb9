namespace Qllm.Engine.Loading.HuggingFace;

/// <summary>A tensor a LLaMA model must have, and its shape.</summary>
/// <param name="Name">The canonical name (see <see cref="TensorNames"/>).</param>
/// <param name="Shape">The shape.</param>
internal sealed record ExpectedTensor(string Name, long[] Shape);

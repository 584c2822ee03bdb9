using Qllm.Artifacts.Tokenization;
using Qllm.Engine.Modeling;

namespace Qllm.Engine.Loading;

/// <summary>A model ready to run, with its tokenizer and where it came from.</summary>
/// <param name="Model">The forward pass, on its device.</param>
/// <param name="Tokenizer">The tokenizer.</param>
/// <param name="Source">The model file or folder.</param>
/// <param name="TokenizerSource">The tokenizer file, or the artifact that carries the tokenizer.</param>
public sealed record LoadedModel(LlamaModel Model, ITextTokenizer Tokenizer, string Source, string TokenizerSource) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}

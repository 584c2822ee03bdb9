using Qllm.Engine.Modeling;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// A streamed model's float32 embedding and separate classifier, freed while its layers are
/// quantized: nothing reads them between embedding the calibration samples and the end of the run,
/// and at 1B they are 0.5 GB. Disposing rebuilds them from their codes, which is what
/// <see cref="QllmQuantizer.QuantizeEmbedding(LlamaModel, int)"/> leaves in a model held whole, so the finished model is the same.
/// </summary>
internal sealed class ParkedEmbeddings : IDisposable
{
    private readonly IReadOnlyList<(Tensor Weight, QuantizedTensor Codes)> _parked;

    private ParkedEmbeddings(IReadOnlyList<(Tensor Weight, QuantizedTensor Codes)> parked) => _parked = parked;

    /// <summary>
    /// Frees the float storage of a streamed model's embedding (and classifier, when it has its own
    /// codes), quantized as <paramref name="embedding"/> and <paramref name="classifier"/>; null,
    /// doing nothing, for a model that does not stream.
    /// </summary>
    public static ParkedEmbeddings? Park(LlamaModel model, QuantizedTensor embedding, QuantizedTensor? classifier)
    {
        if (!model.Streams)
        {
            return null;
        }

        var parked = new List<(Tensor, QuantizedTensor)> { (model.EmbeddingWeight, embedding) };
        if (classifier is not null && model.Classifier is DenseLinear head)
        {
            parked.Add((head.Weight, classifier));
        }

        using var noGrad = no_grad();
        foreach (var (weight, _) in parked)
        {
            using var nothing = empty(0, weight.dtype, weight.device);
            // set_ returns the weight itself: disposing what it returns would dispose the weight.
            _ = weight.set_(nothing);
        }

        return new ParkedEmbeddings(parked);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        using var noGrad = no_grad();
        foreach (var (weight, codes) in _parked)
        {
            using var values = codes.Dequantize();
            _ = weight.set_(values);
        }
    }
}

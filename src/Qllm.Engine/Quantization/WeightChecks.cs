using Qllm.Core.Errors;
using Qllm.Engine.Modeling;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>Refuses weights that would silently poison quantization ranges.</summary>
internal static class WeightChecks
{
    public static void RequireFinite(LlamaModel model, string source)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var finite = isfinite(parameter).all();
            if (!finite.item<bool>())
            {
                throw new QllmException(ErrorCodes.BadWeights, source, $"tensor {name} holds NaN or Inf values", "check or re-export the model; quantization cannot choose ranges for non-finite weights");
            }
        }
    }
}

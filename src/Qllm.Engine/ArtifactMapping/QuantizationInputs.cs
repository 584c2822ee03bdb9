using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Qllm.Engine.Quantization;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>Every input file of a quantization run, digested once.</summary>
/// <param name="Model">The model file or folder.</param>
/// <param name="Tokenizer">The tokenizer file.</param>
/// <param name="Calibration">The calibration text.</param>
public sealed record QuantizationInputs(InputFile Model, InputFile Tokenizer, InputFile Calibration)
{
    /// <summary>A digest of the inputs' contents and every option: what makes two runs the same run.</summary>
    public string Fingerprint(QuantizeOptions options)
    {
        var identity = new JsonObject
        {
            ["format"] = Qllm.Artifacts.Container.ArtifactFormat.CurrentVersion,
            ["producer"] = typeof(QuantizationInputs).Assembly.GetName().Version?.ToString(),
            ["quantization"] = ArtifactMetadata.Settings(options.Settings, options.EmbeddingBits),
            ["options"] = ArtifactMetadata.Options(options),
            ["inputs"] = new JsonArray(Model.Sha256, Tokenizer.Sha256, Calibration.Sha256),
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToJsonString())));
    }
}

using System.Text.Json.Nodes;
using Qllm.Artifacts.Container;
using Qllm.Artifacts.Schema;
using Qllm.Artifacts.Tokenization;
using Qllm.Engine.Loading;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>
/// Writes a quantized model as a 4-bit artifact: packed integer weights with per-row scales and
/// zero points, the reassembly maps, norms in float32, the per-row quantized embedding, the
/// tokenizer file, and metadata (config, settings, every option, input digests, per-block reports).
/// </summary>
public static class QuantizedArtifact
{
    /// <summary>Writes <paramref name="path"/> atomically from a model that <see cref="QllmQuantizer"/> finished.</summary>
    public static void Write(string path, LoadedModel loaded, QuantizationResult result, QuantizationInputs inputs, QuantizeOptions options)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        var model = loaded.Model;
        var writer = new ArtifactWriter();
        writer.Metadata[ArtifactSchema.ProducerKey] = $"qllm {typeof(QuantizedArtifact).Assembly.GetName().Version}";
        writer.Metadata[ArtifactSchema.ConfigKey] = ArtifactSchema.ToJson(model.Config);
        writer.Metadata[ArtifactSchema.QuantizationKey] = ArtifactMetadata.Settings(options.Settings, options.EmbeddingBits);
        writer.Metadata[ArtifactSchema.OptionsKey] = ArtifactMetadata.Options(options);
        writer.Metadata[ArtifactSchema.InputsKey] = ArtifactMetadata.Inputs(inputs);
        writer.Metadata[ArtifactSchema.BlocksKey] = ArtifactMetadata.Blocks(result.Blocks);

        WriteTokenizer(writer, loaded.TokenizerSource);
        AddMatrix(writer, ArtifactTensorNames.Embedding, result.Embedding);
        if (result.Classifier is not null)
        {
            AddMatrix(writer, ArtifactTensorNames.Classifier, result.Classifier);
        }

        AddFloats(writer, ArtifactTensorNames.FinalNorm, model.FinalNorm.Weight);
        var sites = ModelRotation.Sites(model);
        if (sites.Count > 0)
        {
            writer.Metadata[ArtifactSchema.RotationKey] = ArtifactMetadata.Rotation(sites, options.Seed);
            writer.Flags = ArtifactFormat.OnlineTransformsFlag;
        }

        foreach (var site in sites)
        {
            var prefix = ArtifactTensorNames.Rotation(site.Name);
            AddFloats(writer, $"{prefix}.factor", site.Transform.Factor);
            if (site.Transform.Signs is { } signs)
            {
                writer.AddFloat32($"{prefix}.signs", [signs.Length], [.. signs.Select(v => (float)v)]);
            }
        }

        foreach (var layer in model.Layers)
        {
            AddFloats(writer, ArtifactTensorNames.AttentionNorm(layer.Index), layer.AttentionNorm.Weight);
            AddFloats(writer, ArtifactTensorNames.FeedForwardNorm(layer.Index), layer.FeedForwardNorm.Weight);
            foreach (var (name, linear) in LayerQuantizer.NamedLinears(layer))
            {
                var integer = linear as IntegerLinear ?? throw new InvalidOperationException($"layer {layer.Index} {name} is not quantized");
                AddMatrix(writer, ArtifactTensorNames.Linear(layer.Index, name), integer);
            }

            // Float32 beside the codes: a bias is added after the integer product, never quantized.
            if (layer.Attention.Biases is { } biases)
            {
                AddFloats(writer, ArtifactTensorNames.Bias(layer.Index, "self_attn.q_proj"), biases.Query);
                AddFloats(writer, ArtifactTensorNames.Bias(layer.Index, "self_attn.k_proj"), biases.Key);
                AddFloats(writer, ArtifactTensorNames.Bias(layer.Index, "self_attn.v_proj"), biases.Value);
            }

            foreach (var (point, input) in LayerQuantizer.Inputs(layer))
            {
                if (input.Map is { } map)
                {
                    var prefix = ArtifactTensorNames.Reassembly(layer.Index, ReassemblyPointNames.Of(point));
                    writer.AddInt32($"{prefix}.offsets", [map.Offsets.Count], [.. map.Offsets]);
                    writer.AddInt32($"{prefix}.sources", [map.Sources.Count], [.. map.Sources]);
                    writer.AddFloat32($"{prefix}.coefficients", [map.Coefficients.Count], [.. map.Coefficients]);
                }
            }
        }

        writer.Write(path);
    }

    /// <summary>
    /// The tokenizer file as it is, with the tokenizer_config.json beside it (BOS/EOS, chat
    /// template) whichever tokenizer file it is: TinyLlama's template sits beside its tokenizer.model.
    /// </summary>
    private static void WriteTokenizer(ArtifactWriter writer, string path)
    {
        var config = TokenizerFiles.ReadConfigBeside(path);
        if (TokenizerFiles.IsHuggingFace(path))
        {
            ArtifactSchema.WriteHuggingFaceTokenizer(writer, File.ReadAllBytes(path), config);
            return;
        }

        ArtifactSchema.WriteTokenizer(writer, File.ReadAllBytes(path), TokenizerFiles.IsSentencePiece(path), config);
    }

    private static void AddMatrix(ArtifactWriter writer, string prefix, QuantizedTensor matrix)
    {
        using var codes = matrix.Codes.to(CPU).contiguous();
        int rows = (int)codes.shape[0], columns = (int)codes.shape[1];
        writer.AddPackedCodes($"{prefix}.codes", matrix.Bits, rows, columns, codes.bytes);
        AddFloats(writer, $"{prefix}.scales", matrix.Scales);
        AddFloats(writer, $"{prefix}.zeros", matrix.Zeros);
    }

    // The linear's packed codes go in as they are: the writer keeps them without a copy.
    private static void AddMatrix(ArtifactWriter writer, string prefix, IntegerLinear linear)
    {
        var codes = linear.Codes;
        writer.AddPrepackedCodes($"{prefix}.codes", codes.Bits, [codes.Rows, codes.Columns], codes.Bytes);
        AddFloats(writer, $"{prefix}.scales", linear.Scales);
        AddFloats(writer, $"{prefix}.zeros", linear.Zeros);
    }

    private static void AddFloats(ArtifactWriter writer, string name, Tensor tensor)
    {
        using var values = tensor.detach().to(CPU).to(ScalarType.Float32).contiguous();
        writer.AddFloat32(name, values.shape, values.data<float>().ToArray());
    }
}

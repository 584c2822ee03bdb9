using Qllm.Artifacts.Container;
using Qllm.Artifacts.Schema;
using Qllm.Artifacts.Tokenization;
using Qllm.Engine.Loading;
using Qllm.Engine.Modeling;
using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Reassembly;
using Qllm.Engine.Rotation;
using Qllm.Core.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>
/// Loads a 4-bit artifact back into the engine as the same quantized model that wrote it (same
/// modules, same dequantization), so its logits are exactly the quantized model's.
/// </summary>
public static class QuantizedArtifactLoader
{
    /// <summary>Loads the artifact at <paramref name="path"/> onto <paramref name="device"/>.</summary>
    public static LoadedModel Load(string path, Device device)
    {
        using var reader = ArtifactReader.Open(path);
        var config = ArtifactSchema.ReadConfig(reader.Metadata, path);
        var (settings, _) = ArtifactMetadata.ReadSettings(reader.Metadata, path);
        var tokenizer = ArtifactSchema.ReadTokenizer(reader, config.VocabSize);

        var matrices = new Dictionary<string, QuantizedTensor>();
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            tensors[TensorNames.Embedding] = Matrix(reader, ArtifactTensorNames.Embedding, device).Dequantize();
            if (!config.TiedEmbeddings)
            {
                tensors[TensorNames.Classifier] = Matrix(reader, ArtifactTensorNames.Classifier, device).Dequantize();
            }

            tensors[TensorNames.FinalNorm] = Floats(reader, ArtifactTensorNames.FinalNorm, device);
            for (int layer = 0; layer < config.Layers; layer++)
            {
                tensors[TensorNames.AttentionNorm(layer)] = Floats(reader, ArtifactTensorNames.AttentionNorm(layer), device);
                tensors[TensorNames.FeedForwardNorm(layer)] = Floats(reader, ArtifactTensorNames.FeedForwardNorm(layer), device);
                foreach (var linear in TensorNames.LayerLinears)
                {
                    var matrix = Matrix(reader, ArtifactTensorNames.Linear(layer, linear), device);
                    matrices[ArtifactTensorNames.Linear(layer, linear)] = matrix;
                    tensors[TensorNames.Linear(layer, linear)] = matrix.Dequantize();
                }

                if (config.AttentionBias)
                {
                    foreach (var linear in TensorNames.BiasedLinears)
                    {
                        tensors[TensorNames.Bias(layer, linear)] = Floats(reader, ArtifactTensorNames.Bias(layer, linear), device);
                    }
                }
            }

            var model = LlamaModel.FromCheckpoint(new LlamaCheckpoint(config, tensors, path), device);
            ModelRotation.Install(model, RotationSites(reader, config));
            foreach (var layer in model.Layers)
            {
                LayerQuantizer.SetLinears(layer, (name, _) => new IntegerLinear(matrices[ArtifactTensorNames.Linear(layer.Index, name)], name));
                LayerQuantizer.InstallInputs(layer, settings, Maps(reader, layer.Index), exact: true);
            }

            return new LoadedModel(model, tokenizer, path, path);
        }
        catch (Exception e) when (e is not QllmException)
        {
            throw ArtifactErrors.Bad(path, $"the artifact does not describe a model this engine can build ({e.Message})", e);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>The online transforms the artifact stores; the tensors alone decide (docs/artifact-format.md, "Rotation").</summary>
    private static List<RotationSite> RotationSites(ArtifactReader reader, LlamaConfig config)
    {
        var sites = new List<RotationSite>();
        var widths = new[] { (RotationSite.Residual, config.Dim), (RotationSite.Heads, config.HeadDim), (RotationSite.Down, config.HiddenDim) };
        RotationTensors.Check(reader);
        foreach (var (name, order) in widths)
        {
            var prefix = ArtifactTensorNames.Rotation(name);
            if (!reader.Tensors.ContainsKey($"{prefix}.factor"))
            {
                if (reader.Tensors.ContainsKey($"{prefix}.signs"))
                {
                    throw ArtifactErrors.Bad(reader.Source, $"'{prefix}.signs' has no '{prefix}.factor'");
                }

                continue;
            }

            using var factor = Floats(reader, $"{prefix}.factor", CPU);
            double[]? signs = reader.Tensors.ContainsKey($"{prefix}.signs") ? [.. reader.ReadFloat32($"{prefix}.signs").Select(v => (double)v)] : null;
            long a = factor.shape[0];
            if (order % a != 0)
            {
                throw ArtifactErrors.Bad(reader.Source, $"'{prefix}.factor' is of order {a}, which does not divide the {name} width {order}");
            }

            // The metadata's kind is for display (and warnings) only; the tensors decide the transform.
            var kind = ArtifactMetadata.ReadTransformKind(reader.Metadata, name);
            sites.Add(new RotationSite(name, new OrthogonalTransform(kind, factor, (int)(order / a), signs)));
        }

        return sites;
    }

    private static Dictionary<ReassemblyPoint, ReassemblyMap> Maps(ArtifactReader reader, int layer)
    {
        var maps = new Dictionary<ReassemblyPoint, ReassemblyMap>();
        foreach (var point in Enum.GetValues<ReassemblyPoint>())
        {
            var prefix = ArtifactTensorNames.Reassembly(layer, ReassemblyPointNames.Of(point));
            if (reader.Tensors.ContainsKey($"{prefix}.offsets"))
            {
                var offsets = reader.ReadInt32($"{prefix}.offsets");
                maps[point] = new ReassemblyMap(offsets.Length - 1, offsets, reader.ReadInt32($"{prefix}.sources"), reader.ReadFloat32($"{prefix}.coefficients"));
            }
        }

        return maps;
    }

    private static QuantizedTensor Matrix(ArtifactReader reader, string prefix, Device device)
    {
        var codesInfo = reader.GetTensor($"{prefix}.codes");
        int bits = ArtifactDTypes.BitsPerElement(codesInfo.DType);
        var codes = tensor(reader.UnpackCodes($"{prefix}.codes"), [codesInfo.Shape[0], codesInfo.Shape[1]], device: device);
        return new QuantizedTensor(codes, Floats(reader, $"{prefix}.scales", device), Floats(reader, $"{prefix}.zeros", device), bits);
    }

    private static Tensor Floats(ArtifactReader reader, string name, Device device)
    {
        var info = reader.GetTensor(name);
        return tensor(reader.ReadFloat32(name), [.. info.Shape], device: device);
    }
}

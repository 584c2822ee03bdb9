using Qllm.Artifacts.Container;
using Qllm.Artifacts.Schema;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;
using Qllm.Runtime.Compute;

namespace Qllm.Runtime.Model;

/// <summary>
/// Builds the runtime's forward pass from an engine-written artifact (docs/artifact-format.md,
/// "What the QLLM engine stores"). 4-bit and 8-bit codes are used in place, except the layers'
/// 4-bit linears against integer activations on the AVX2 kernels, which are copied into
/// interleaved blocks (InterleavedRows); the shapes of every
/// tensor are checked against the config, so a well-formed file that does not describe a runnable
/// model is refused here, not half-way through a forward pass. A rotated model's online transforms
/// are decided from the <c>rotation.*</c> tensors alone (the metadata's description is for display).
/// </summary>
internal static class ArtifactModelLoader
{
    /// <summary>The largest zero point the kernels take (2²²): their float forms of code − zero are exact up to it; codes are at most 8 bits.</summary>
    private const int MaximumZeroPoint = 1 << 22;

    private static readonly string[] LinearNames = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];

    /// <summary>The model in <paramref name="reader"/>; <paramref name="interleave"/>: whether 4-bit linears and the byte classifier may be copied into <see cref="Kernels.InterleavedRows"/> order.</summary>
    public static (Transformer Model, ITextTokenizer Tokenizer, QuantizationSpec Quantization) Load(ArtifactReader reader, bool interleave = true)
    {
        string source = reader.Source;
        var config = ArtifactSchema.ReadConfig(reader.Metadata, source);
        var spec = ArtifactSchema.ReadQuantization(reader.Metadata, source);
        CheckSupported(spec, config, source);

        // Packed 4-bit weights against integer activations, and the byte classifier against floats, get
        // their four-row kernel's layout where it reads one. Their pages are allocated (up to a few
        // hundred milliseconds at a billion parameters) in the background while the model loads. The
        // tokenizer (a third of a second for a Hugging Face tokenizer.json) is built beside the weights
        // too: reads are thread-safe.
        bool interleaveLinears = interleave && spec.WeightBits == 4 && spec.ActivationBits < 16 && QuantizedMatrix.InterleavesRows;
        bool interleaveClassifier = interleave && spec.EmbeddingBits == 8 && QuantizedMatrix.InterleavesByteRows;
        string classifierName = config.TiedEmbeddings ? ArtifactTensorNames.Embedding : ArtifactTensorNames.Classifier;
        long arenaBytes = WeightArena.Size(
            (interleaveClassifier ? [reader.GetTensor($"{classifierName}.codes").Length] : Enumerable.Empty<long>())
                .Concat(interleaveLinears ? LinearBytes(reader, config) : []));
        var arena = arenaBytes > 0 ? new WeightArena(arenaBytes) : null;
        var tokenizerTask = Task.Run(() => ArtifactSchema.ReadTokenizer(reader, config.VocabSize));
        try
        {
            var transforms = Transforms(reader, config);

            var classifierArena = interleaveClassifier ? arena : null;
            var embedding = Matrix(reader, ArtifactTensorNames.Embedding, config.VocabSize, config.Dim, config.TiedEmbeddings ? classifierArena : null);
            var classifierWeights = config.TiedEmbeddings ? embedding : Matrix(reader, ArtifactTensorNames.Classifier, config.VocabSize, config.Dim, classifierArena);
            var classifier = new LinearGroup(new InputPoint(config.Dim, null, 16, classifierWeights.Bits, classifierWeights.PackedLayout), classifierWeights);
            var blocks = new List<DecoderBlock>();
            for (int layer = 0; layer < config.Layers; layer++)
            {
                blocks.Add(Block(reader, config, spec, transforms, layer, interleaveLinears ? arena : null));
            }

            var model = new Transformer(config, embedding, blocks, Vector(reader, ArtifactTensorNames.FinalNorm, config.Dim), classifier, transforms);
            return (model, tokenizerTask.GetAwaiter().GetResult(), spec);
        }
        catch
        {
            // The caller disposes the reader on failure: the tokenizer must be done reading it. Its
            // own failure, if any, is observed here and left behind the first one.
            Task.WaitAny(tokenizerTask);
            _ = tokenizerTask.Exception;
            throw;
        }
    }

    private static DecoderBlock Block(ArtifactReader reader, LlamaConfig config, QuantizationSpec spec, OnlineTransforms transforms, int layer, WeightArena? arena)
    {
        QuantizedMatrix Linear(string name, int rows, int columns) => Matrix(reader, ArtifactTensorNames.Linear(layer, name), rows, columns, arena);
        InputPoint Input(string? point, int inputColumns, OnlineTransform? transform = null)
        {
            var map = point is null ? null : Map(reader, layer, point, inputColumns);
            return new InputPoint(inputColumns, map, spec.ActivationBits, spec.WeightBits, packedLayout: spec.WeightBits == 4, transform);
        }

        var qkvInput = Input("qkv", config.Dim);
        var gateUpInput = Input("gate_up", config.Dim);
        var downInput = Input("down", config.HiddenDim, transforms.Down);
        var outputInput = Input(null, config.Dim);
        return new DecoderBlock(
            layer,
            config,
            Vector(reader, ArtifactTensorNames.AttentionNorm(layer), config.Dim),
            Vector(reader, ArtifactTensorNames.FeedForwardNorm(layer), config.Dim),
            new LinearGroup(qkvInput, Linear("self_attn.q_proj", config.Dim, qkvInput.Columns), Linear("self_attn.k_proj", config.KvDim, qkvInput.Columns), Linear("self_attn.v_proj", config.KvDim, qkvInput.Columns)),
            new LinearGroup(outputInput, Linear("self_attn.o_proj", config.Dim, config.Dim)),
            new LinearGroup(gateUpInput, Linear("mlp.gate_proj", config.HiddenDim, gateUpInput.Columns), Linear("mlp.up_proj", config.HiddenDim, gateUpInput.Columns)),
            new LinearGroup(downInput, Linear("mlp.down_proj", config.Dim, downInput.Columns)),
            transforms.Heads,
            spec.QuantizesStates ? spec.ActivationBits : 0,
            config.AttentionBias ? Biases(reader, config, layer) : null);
    }

    // Only a config that records biases has them; an old artifact has neither the field nor the tensors.
    private static QkvBiases Biases(ArtifactReader reader, LlamaConfig config, int layer) => new(
        Vector(reader, ArtifactTensorNames.Bias(layer, "self_attn.q_proj"), config.Dim),
        Vector(reader, ArtifactTensorNames.Bias(layer, "self_attn.k_proj"), config.KvDim),
        Vector(reader, ArtifactTensorNames.Bias(layer, "self_attn.v_proj"), config.KvDim));

    private static void CheckSupported(QuantizationSpec spec, LlamaConfig config, string source)
    {
        if (spec.WeightBits is < 2 or > 8 || spec.EmbeddingBits is < 2 or > 8 || (spec.ActivationBits is < 2 or > 8 && spec.ActivationBits < 16))
        {
            throw new QllmException(ErrorCodes.UnsupportedArtifact, source, $"it asks for {spec.WeightBits}-bit weights, {spec.ActivationBits}-bit activations and a {spec.EmbeddingBits}-bit embedding; this runtime runs 2 to 8 bits (16 = float activations)", "quantize the model with a supported preset (W4A4, W4A8, W6A6, W4A16)");
        }

        if (spec.WeightGroupSize is { } group && group < config.Dim)
        {
            throw new QllmException(ErrorCodes.UnsupportedArtifact, source, $"its weights have ranges per group of {group} columns; this runtime runs one range per output row", "quantize without a weight group size");
        }
    }

    // The stored bytes of every layer's linears (the arena's slices are these, in this order).
    private static IEnumerable<long> LinearBytes(ArtifactReader reader, LlamaConfig config) =>
        from layer in Enumerable.Range(0, config.Layers)
        from name in LinearNames
        select reader.Tensors.TryGetValue($"{ArtifactTensorNames.Linear(layer, name)}.codes", out var codes) ? codes.Length : 0;

    private static QuantizedMatrix Matrix(ArtifactReader reader, string prefix, int rows, int columns, WeightArena? arena = null)
    {
        var info = reader.GetTensor($"{prefix}.codes");
        if (!ArtifactDTypes.IsUnsignedCodes(info.DType) || info.Shape.Count != 2 || info.Shape[0] != rows || info.Shape[1] != columns)
        {
            throw ArtifactErrors.Bad(reader.Source, $"'{info.Name}' is {info.DType} [{string.Join(", ", info.Shape)}]; the config needs unsigned codes [{rows}, {columns}]");
        }

        int bits = ArtifactDTypes.BitsPerElement(info.DType);
        var codes = bits switch
        {
            4 when arena is not null && info.Length == (long)rows * ((columns + 1) / 2) => WeightCodes.Interleaved(reader, info, rows, (columns + 1) / 2, packed: true, arena),
            8 when arena is not null && info.Length == (long)rows * columns => WeightCodes.Interleaved(reader, info, rows, columns, packed: false, arena),
            4 or 8 => WeightCodes.InPlace(reader, info),
            _ => WeightCodes.Owned(reader.UnpackCodes(info.Name)),
        };
        var scales = Floats(reader, $"{prefix}.scales", rows, positive: true);
        var zeros = Floats(reader, $"{prefix}.zeros", rows, positive: false);
        if (Array.Exists(zeros, z => z != MathF.Round(z) || Math.Abs(z) > MaximumZeroPoint))
        {
            // The kernels form code − zero exactly on this promise (the integer products, the classifier's floats).
            throw ArtifactErrors.Bad(reader.Source, $"'{prefix}.zeros' holds a zero point that is not an integer of magnitude at most {MaximumZeroPoint}");
        }

        return new QuantizedMatrix(codes, bits, rows, columns, scales, zeros);
    }

    private static float[] Vector(ArtifactReader reader, string name, int length) => Floats(reader, name, length, positive: false);

    private static float[] Floats(ArtifactReader reader, string name, int count, bool positive)
    {
        var info = reader.GetTensor(name);
        if (info.DType != ArtifactDType.F32 || info.Rows * info.Columns != count)
        {
            throw ArtifactErrors.Bad(reader.Source, $"'{name}' is {info.DType} [{string.Join(", ", info.Shape)}]; the config needs {count} F32 values");
        }

        var values = reader.ReadFloat32(name);
        if (Array.Exists(values, v => !float.IsFinite(v) || (positive && v <= 0)))
        {
            throw ArtifactErrors.Bad(reader.Source, $"'{name}' holds {(positive ? "a non-positive or non-finite" : "a non-finite")} value");
        }

        return values;
    }

    private static OnlineTransforms Transforms(ArtifactReader reader, LlamaConfig config)
    {
        RotationTensors.Check(reader);
        return new OnlineTransforms(
            Transform(reader, ArtifactTensorNames.ResidualRotation, config.Dim),
            Transform(reader, ArtifactTensorNames.HeadRotation, config.HeadDim),
            Transform(reader, ArtifactTensorNames.DownRotation, config.HiddenDim));
    }

    private static OnlineTransform? Transform(ArtifactReader reader, string site, int length)
    {
        var prefix = ArtifactTensorNames.Rotation(site);
        string factorName = $"{prefix}.factor", signsName = $"{prefix}.signs";
        if (!reader.Tensors.TryGetValue(factorName, out var factor))
        {
            return reader.Tensors.ContainsKey(signsName)
                ? throw ArtifactErrors.Bad(reader.Source, $"it holds '{signsName}' without '{factorName}'")
                : null;
        }

        if (factor.DType != ArtifactDType.F32 || factor.Shape.Count != 2 || factor.Shape[0] != factor.Shape[1] || factor.Shape[0] < 1 || factor.Shape[0] > length)
        {
            throw ArtifactErrors.Bad(reader.Source, $"'{factorName}' is {factor.DType} [{string.Join(", ", factor.Shape)}]; the transform of order {length} needs a square F32 factor [a, a] with a dividing {length}");
        }

        var signs = reader.Tensors.ContainsKey(signsName) ? Floats(reader, signsName, length, positive: false) : null;
        return new OnlineTransform(reader.ReadFloat32(factorName), (int)factor.Shape[0], signs, length, prefix, reader.Source);
    }

    private static ReassemblyMap? Map(ArtifactReader reader, int layer, string point, int inputColumns)
    {
        var prefix = ArtifactTensorNames.Reassembly(layer, point);
        if (!reader.Tensors.ContainsKey($"{prefix}.offsets"))
        {
            return null;
        }

        return new ReassemblyMap(reader.ReadInt32($"{prefix}.offsets"), reader.ReadInt32($"{prefix}.sources"), reader.ReadFloat32($"{prefix}.coefficients"), inputColumns, reader.Source);
    }
}

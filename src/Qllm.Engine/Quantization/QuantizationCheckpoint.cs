using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Qllm.Core.Errors;
using Qllm.Engine.Modeling;
using Qllm.Engine.Quantization.Reassembly;
using Qllm.Engine.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// Per-block checkpoints of a quantization run, in <c>OUTPUT.checkpoint/</c>: after each block, that
/// block's trained state (fused float weights, norms, reassembly maps) and the activations that
/// feed the next block. A run with the same fingerprint (inputs and options) resumes after the last
/// finished block and ends with the same artifact as an uninterrupted run; a run with another
/// fingerprint starts over. The folder is deleted once the artifact is written.
/// </summary>
public sealed class QuantizationCheckpoint
{
    private const string InputsFile = "inputs.safetensors";

    // A point left as it was has θ = +∞, which plain JSON cannot hold.
    private static readonly JsonSerializerOptions ReportJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private readonly string _fingerprint;

    /// <summary>Checkpoints for the artifact <paramref name="outputPath"/> of a run identified by <paramref name="fingerprint"/>.</summary>
    public QuantizationCheckpoint(string outputPath, string fingerprint)
    {
        Folder = Path.GetFullPath(outputPath) + ".checkpoint";
        _fingerprint = fingerprint;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Folder { get; }

    /// <summary>Saves block <paramref name="block"/>'s state and the inputs of the next block.</summary>
    internal void Save(int block, IReadOnlyList<DecoderLayer> layers, Tensor quantizedInputs, Tensor fullPrecisionInputs, BlockReport report)
    {
        // The output folder was probed before the run, but it can still fill up or turn read-only
        // since: that is the user's to fix, not a bug (QLLM3000).
        try
        {
            Directory.CreateDirectory(Folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QllmException(ErrorCodes.OutputNotWritable, Folder, $"the quantization checkpoint folder cannot be created ({e.Message})", "choose an --output path in a folder you can write to, on a disk with free space", e);
        }

        var tensors = new Dictionary<string, Tensor>();
        foreach (var layer in layers)
        {
            tensors[$"{layer.Index}.input_layernorm"] = layer.AttentionNorm.Weight;
            tensors[$"{layer.Index}.post_attention_layernorm"] = layer.FeedForwardNorm.Weight;
            foreach (var (name, linear) in LayerQuantizer.NamedLinears(layer))
            {
                var quantized = (QuantizedLinear)linear;
                if (quantized.Rounded is not { } rounded)
                {
                    tensors[$"{layer.Index}.{name}"] = quantized.Weight;
                }
                else
                {
                    // GPTQ's codes do not follow from the weight: they are saved as they are, and
                    // they are all the finished layer reads (its float weight may be released).
                    tensors[$"{layer.Index}.{name}.codes"] = rounded.Codes;
                    tensors[$"{layer.Index}.{name}.scales"] = rounded.Scales;
                    tensors[$"{layer.Index}.{name}.zeros"] = rounded.Zeros;
                }
            }

            foreach (var (point, input) in LayerQuantizer.Inputs(layer))
            {
                if (input.Map is { } map)
                {
                    tensors[$"{layer.Index}.{point}.offsets"] = tensor(map.Offsets.ToArray());
                    tensors[$"{layer.Index}.{point}.sources"] = tensor(map.Sources.ToArray());
                    tensors[$"{layer.Index}.{point}.coefficients"] = tensor(map.Coefficients.ToArray());
                }
            }
        }

        var metadata = new Dictionary<string, string> { ["fingerprint"] = _fingerprint, ["report"] = SerializeReport(report) };
        SafeTensorsWriter.Write(Path.Combine(Folder, BlockFile(block)), tensors, metadata: metadata);
        SafeTensorsWriter.Write(
            Path.Combine(Folder, InputsFile),
            new Dictionary<string, Tensor> { ["quantized"] = quantizedInputs, ["full_precision"] = fullPrecisionInputs },
            metadata: new Dictionary<string, string> { ["fingerprint"] = _fingerprint, ["block"] = block.ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary>
    /// Restores the finished blocks into <paramref name="model"/> when a checkpoint of this run exists.
    /// Returns the reports of the finished blocks and the inputs of the next one, or null to start over.
    /// A checkpoint of another run (other inputs or options) or one that cannot be read whole (a file
    /// cut short, a block missing) is deleted and the run starts over; <paramref name="log"/> says why.
    /// </summary>
    internal (List<BlockReport> Reports, Tensor Quantized, Tensor FullPrecision)? TryResume(LlamaModel model, QuantizeOptions options, Action<string>? log = null)
    {
        var inputsPath = Path.Combine(Folder, InputsFile);
        if (!File.Exists(inputsPath))
        {
            // A run stopped before its first block finished leaves nothing to resume from.
            Delete();
            return null;
        }

        // Every file is opened and checked before the model is touched: restoring a block replaces
        // its linears, so a checkpoint found broken half-way could not be started over from.
        var readers = new List<SafeTensorsReader>();
        try
        {
            var inputs = Open(inputsPath, readers);
            if (!inputs.Metadata.TryGetValue("fingerprint", out var stored) || stored != _fingerprint)
            {
                return StartOver(readers, log, "it is from a run with other inputs or options");
            }

            if (!inputs.Metadata.TryGetValue("block", out var blockText) || !int.TryParse(blockText, NumberStyles.None, CultureInfo.InvariantCulture, out var lastBlock))
            {
                return StartOver(readers, log, $"{inputsPath} does not say which block it follows");
            }

            var states = new List<(SafeTensorsReader State, BlockReport Report)>();
            for (int block = 0; block <= lastBlock; block++)
            {
                var state = Open(Path.Combine(Folder, BlockFile(block)), readers);
                if (!state.Metadata.TryGetValue("fingerprint", out var blockFingerprint) || blockFingerprint != _fingerprint)
                {
                    return StartOver(readers, log, $"{state.Path} is from a run with other inputs or options");
                }

                if (!state.Metadata.TryGetValue("report", out var report))
                {
                    return StartOver(readers, log, $"{state.Path} has no block report");
                }

                states.Add((state, DeserializeReport(report)));
            }

            for (int block = 0; block <= lastBlock; block++)
            {
                foreach (var layer in model.Layers.Skip(block * options.BlockLayers).Take(options.BlockLayers))
                {
                    // A streamed layer is read (and rotated) first: its state replaces the weights, but restoring needs their shapes.
                    model.LoadLayer(layer);
                    Restore(layer, states[block].State, options.Settings, model.Device);
                }
            }

            return ([.. states.Select(s => s.Report)], inputs.Read("quantized").to(model.Device), inputs.Read("full_precision").to(model.Device));
        }
        catch (Exception e) when (e is QllmException or JsonException)
        {
            // SafeTensorsReader refuses a file cut short or otherwise damaged as a QllmException.
            return StartOver(readers, log, e is QllmException { File: { } file } q ? $"{file} cannot be read ({q.Problem})" : $"it cannot be read ({e.Message})");
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader.Dispose();
            }
        }
    }

    /// <summary>Deletes the checkpoints (after the artifact is written).</summary>
    public void Delete()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    internal static string SerializeReport(BlockReport report) => JsonSerializer.Serialize(report, ReportJson);

    internal static BlockReport DeserializeReport(string json) => JsonSerializer.Deserialize<BlockReport>(json, ReportJson)!;

    private static SafeTensorsReader Open(string path, List<SafeTensorsReader> readers)
    {
        var reader = SafeTensorsReader.Open(path);
        readers.Add(reader);
        return reader;
    }

    private (List<BlockReport> Reports, Tensor Quantized, Tensor FullPrecision)? StartOver(List<SafeTensorsReader> readers, Action<string>? log, string why)
    {
        // Closed first: an open file cannot be deleted on Windows.
        foreach (var reader in readers)
        {
            reader.Dispose();
        }

        readers.Clear();
        log?.Invoke($"ignoring the checkpoint in {Folder}: {why}; starting over");
        Delete();
        return null;
    }

    private static string BlockFile(int block) => string.Create(CultureInfo.InvariantCulture, $"block-{block}.safetensors");

    private static void Restore(DecoderLayer layer, SafeTensorsReader state, QuantizationSettings settings, Device device)
    {
        var maps = new Dictionary<ReassemblyPoint, ReassemblyMap>();
        foreach (var point in Enum.GetValues<ReassemblyPoint>())
        {
            var prefix = $"{layer.Index}.{point}";
            if (state.Tensors.ContainsKey($"{prefix}.offsets"))
            {
                var offsets = state.Read($"{prefix}.offsets").data<int>().ToArray();
                maps[point] = new ReassemblyMap(offsets.Length - 1, offsets, state.Read($"{prefix}.sources").data<int>().ToArray(), state.Read($"{prefix}.coefficients").data<float>().ToArray());
            }
        }

        LayerQuantizer.Quantize(layer, settings, maps);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope(); // the tensors read back, once copied in
        layer.AttentionNorm.Weight.copy_(state.Read($"{layer.Index}.input_layernorm").to(device));
        layer.FeedForwardNorm.Weight.copy_(state.Read($"{layer.Index}.post_attention_layernorm").to(device));
        foreach (var (name, linear) in LayerQuantizer.NamedLinears(layer))
        {
            var quantized = (QuantizedLinear)linear;
            var prefix = $"{layer.Index}.{name}";
            if (state.Tensors.ContainsKey(prefix))
            {
                quantized.Weight.copy_(state.Read(prefix).to(device));
                quantized.InvalidateCache();
            }

            if (state.Tensors.ContainsKey($"{prefix}.codes"))
            {
                Tensor Kept(string part) => state.Read($"{prefix}.{part}").to(device).DetachFromDisposeScope();
                quantized.FixRounding(new QuantizedTensor(Kept("codes"), Kept("scales"), Kept("zeros"), quantized.Bits));
            }
        }
    }
}

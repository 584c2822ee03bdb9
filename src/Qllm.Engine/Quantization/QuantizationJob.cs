using System.Diagnostics;
using System.Globalization;
using Qllm.Artifacts.Container;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.IO;
using Qllm.Engine.ArtifactMapping;
using Qllm.Core.Errors;
using Qllm.Engine.Loading;
using Qllm.Engine.Rotation;
using Qllm.Engine.Torch;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// The whole of `qllm quantize`: load the model and tokenizer, check the inputs, sample the
/// calibration text, quantize block by block, and write the artifact atomically (an interrupted run
/// leaves no file under the output name).
/// </summary>
public static class QuantizationJob
{
    /// <summary>Runs <paramref name="request"/> on <paramref name="device"/>, reporting progress lines to <paramref name="log"/>.</summary>
    public static QuantizeSummary Run(QuantizeRequest request, Device device, Action<string> log, CancellationToken cancellation = default) =>
        Run(request, device, log, blocks: null, warn: null, cancellation);

    /// <summary>
    /// Runs <paramref name="request"/> on <paramref name="device"/>, reporting progress lines to
    /// <paramref name="log"/> and the blocks done out of all to <paramref name="blocks"/> (before the
    /// first block and after each, on the calling thread).
    /// </summary>
    /// <param name="request">What to quantize, how, and where to write it.</param>
    /// <param name="device">Where to compute.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="blocks">Blocks done out of all.</param>
    /// <param name="cancellation">Stops the run; no artifact is written.</param>
    /// <param name="warn">Problems worked around (a rotation without a Hadamard order, a raised GPTQ damping); by default they go to <paramref name="log"/>.</param>
    public static QuantizeSummary Run(QuantizeRequest request, Device device, Action<string> log, Action<QuantizationProgress>? blocks, Action<QllmWarning>? warn = null, CancellationToken cancellation = default) =>
        Run(request, device, log, blocks, warn, streamLayers: true, cancellation);

    /// <summary>As the public overload; <paramref name="streamLayers"/> false reads a Hugging Face folder whole, as before streaming (the tests' reference).</summary>
    internal static QuantizeSummary Run(QuantizeRequest request, Device device, Action<string> log, Action<QuantizationProgress>? blocks, Action<QllmWarning>? warn, bool streamLayers, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        warn ??= warning => log(warning.ToCanonicalString());
        var clock = Stopwatch.StartNew();
        var options = request.Options;
        if (!File.Exists(request.CalibrationPath))
        {
            throw new QllmException(ErrorCodes.InputNotFound, request.CalibrationPath, "the calibration text does not exist", "pass a UTF-8 text file with --calibration (`qllm setup` writes calibration.txt)");
        }

        var output = Path.GetFullPath(request.OutputPath);
        RefuseInputs(request, output);
        PrepareOutputFolder(output);

        // Read (and checked) before the model is loaded: a binary or non-UTF-8 file fails at once.
        var calibrationText = TextFile.ReadAllText(request.CalibrationPath, "the calibration text");
        manual_seed(options.Seed);

        // A Hugging Face folder streams: each layer's linears are read in float32 just before the
        // layer is quantized and freed once it is, so the model is never whole in float32.
        using var loaded = ModelLoader.Load(request.ModelPath, request.TokenizerPath, device, streamLayers);
        WeightChecks.RequireFinite(loaded.Model, request.ModelPath);
        var config = loaded.Model.Config;
        var streams = loaded.Model.Streams;
        var loadSeconds = clock.Elapsed.TotalSeconds;
        MemoryCheck.Require(MemoryEstimate.Bytes(config, options, streams), MemoryEstimate.LoadedBytes(config, streams), request.ModelPath);
        if (options.Rotation == RotationKind.Hadamard)
        {
            Rotate(loaded.Model, options.Seed, request.ModelPath, warn);
        }

        var inputs = new QuantizationInputs(InputFile.Of(request.ModelPath), InputFile.Of(loaded.TokenizerSource), InputFile.Of(request.CalibrationPath));
        var stopAfter = request.StopAfterLayers is { } limit ? Math.Min(limit, config.Layers) : (int?)null;

        // A partial run writes nothing, so it leaves no checkpoint to resume from either.
        var checkpoint = stopAfter is null ? new QuantizationCheckpoint(output, inputs.Fingerprint(options)) : null;
        var timings = new BlockTimings(options.BlockLayers, stopAfter ?? config.Layers, blocks);
        using var result = options.Calibrates
            ? Calibrated(request, loaded, calibrationText, device, log, checkpoint, stopAfter, timings.Report, warn, cancellation)
            : WeightsOnly(request, loaded, device, log, stopAfter, timings.Report, cancellation);
        cancellation.ThrowIfCancellationRequested();
        var layers = stopAfter ?? config.Layers;
        if (stopAfter is not null)
        {
            log(string.Create(CultureInfo.InvariantCulture, $"stopped after {layers} of {config.Layers} layers as asked (--layers): no artifact written; {clock.Elapsed.TotalSeconds:F1} s, of which {loadSeconds:F1} s reading and checking the model{(streams ? " (its layers' linears left in the file)" : string.Empty)}"));
            return new QuantizeSummary(null, 0, clock.Elapsed.TotalSeconds, Process.GetCurrentProcess().PeakWorkingSet64, result.Blocks, layers, timings.All);
        }

        QuantizedArtifact.Write(output, loaded, result, inputs, options);
        checkpoint!.Delete();
        var bytes = new FileInfo(output).Length;
        log($"wrote {output} ({bytes:N0} bytes) in {clock.Elapsed.TotalSeconds:F1} s");
        return new QuantizeSummary(output, bytes, clock.Elapsed.TotalSeconds, Process.GetCurrentProcess().PeakWorkingSet64, result.Blocks, layers, timings.All);
    }

    private static QuantizationResult Calibrated(QuantizeRequest request, LoadedModel loaded, string calibrationText, Device device, Action<string> log, QuantizationCheckpoint? checkpoint, int? stopAfter, Action<QuantizationProgress>? blocks, Action<QllmWarning> warn, CancellationToken cancellation)
    {
        var options = request.Options;
        var seqLen = CalibrationSampler.SampleLength(loaded.Model.Config.SeqLen);
        var ids = CalibrationSampler.Sample(loaded.Tokenizer.Encode(calibrationText), seqLen, options.Samples, options.Seed, loaded.Tokenizer.BosId, request.CalibrationPath);
        log($"{Header(request, device)}: {options.Samples} samples, {options.Epochs} epochs, rank {options.Rank}, {options.BatchSize} samples a step, blocks of {options.BlockLayers} layers, matrix products in {CalibrationPrecision.Name(CalibrationPrecision.ProductsOn(device))}");
        using var calibration = tensor(ids, [options.Samples, seqLen]);
        return QllmQuantizer.Quantize(loaded.Model, calibration, options, stopAfter, report => log(Describe(report)), log, checkpoint, blocks, message => warn(new QllmWarning(request.ModelPath, ErrorCodes.HessianDampingRaised, message)), cancellation);
    }

    // Rotation and round-to-nearest read only the weights: no calibration pass, nothing to resume.
    private static QuantizationResult WeightsOnly(QuantizeRequest request, LoadedModel loaded, Device device, Action<string> log, int? stopAfter, Action<QuantizationProgress>? blocks, CancellationToken cancellation)
    {
        var options = request.Options;
        log($"{Header(request, device)}: no calibration pass (no step of this recipe reads the calibration text)");
        return QllmQuantizer.QuantizeWeightsOnly(loaded.Model, options, stopAfter, blocks, cancellation);
    }

    // The run's first line: what is quantized, to what, how and where.
    private static string Header(QuantizeRequest request, Device device)
    {
        var options = request.Options;
        return $"quantizing {request.ModelPath} to {options.Settings.Name} with {QuantizeOptionsText.Method(options.Method)}, rotation {QuantizeOptionsText.Rotation(options.Rotation)}, rounding {QuantizeOptionsText.WeightRounding(options.WeightRounding)} on {device.type.ToString().ToLowerInvariant()}";
    }

    private static void Rotate(Modeling.LlamaModel model, int seed, string modelPath, Action<QllmWarning> warn)
    {
        foreach (var site in ModelRotation.Apply(model, seed).Where(site => site.Transform.Kind == OnlineTransformKind.RandomOrthogonal))
        {
            warn(new QllmWarning(modelPath, ErrorCodes.RandomOrthogonalFallback, $"no Hadamard matrix of order {site.Transform.Order} is known (a·2^k, a = 1, 12, 144 or a Paley order up to 256: docs/method.md), so the {site.Name} rotation is a random orthogonal {site.Transform.Order / site.Transform.PowerOfTwo}×{site.Transform.Order / site.Transform.PowerOfTwo} factor seeded with {seed} times a {site.Transform.PowerOfTwo}-point Walsh–Hadamard transform: exact and recorded in the artifact, but not a Hadamard rotation"));
        }
    }

    // Replacing an input with the artifact (`--output m.bin` for m.bin) would destroy it, and the
    // cache would then key the artifact on a model that no longer exists.
    private static void RefuseInputs(QuantizeRequest request, string output)
    {
        OutputPaths.RefuseInput(output, request.ModelPath, "the model");
        if (!ArtifactFormat.IsArtifactFile(request.ModelPath))
        {
            OutputPaths.RefuseInput(output, TokenizerFiles.Resolve(request.ModelPath, request.TokenizerPath), "the tokenizer");
        }

        OutputPaths.RefuseInput(output, request.CalibrationPath, "the calibration text");
    }

    // Fails before minutes of quantization, not after, when the output cannot be written.
    private static void PrepareOutputFolder(string output)
    {
        if (Directory.Exists(output))
        {
            throw new QllmException(ErrorCodes.OutputNotWritable, output, "the output path is a folder", "name the artifact file to write with --output");
        }

        OutputPaths.RequireWritable(output);
    }

    private static string Describe(BlockReport report)
    {
        var points = report.Points.Count == 0
            ? string.Empty
            : "; " + string.Join(", ", report.Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"L{p.Layer} {p.Point} θ={(double.IsInfinity(p.Threshold) ? "none" : p.Threshold.ToString("G4", CultureInfo.InvariantCulture))} +{p.ExtraChannels}")));
        var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (double)(1L << 30);
        return string.Create(CultureInfo.InvariantCulture, $"block {report.Block} (layers {report.FirstLayer}-{report.FirstLayer + report.Layers - 1}): loss {report.LossBefore:E3} -> {report.LossAfter:E3}, {report.Seconds:F1} s, peak memory {peak:F2} GiB{points}");
    }
}

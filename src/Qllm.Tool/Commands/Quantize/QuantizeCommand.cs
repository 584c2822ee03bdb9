using System.CommandLine;
using System.Text.Json;
using Qllm.Engine.Quantization;
using Qllm.Core.Errors;
using Qllm.Engine.Quantization.Reassembly;
using Qllm.Core.Quantization;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands.Quantize;

/// <summary>`qllm quantize MODEL --calibration FILE --output FILE ...`: QLLM (or a baseline/ablation) into a 4-bit artifact.</summary>
internal static class QuantizeCommand
{
    public static Command Create(GlobalOptions global)
    {
        var model = new Argument<string>("MODEL") { Description = "A llama2.c .bin checkpoint or a Hugging Face folder." };
        var calibration = new Option<string>("--calibration") { Description = "Calibration text (plain UTF-8).", Required = true };
        var output = new Option<string>("--output") { Description = "The artifact to write.", Required = true };
        var preset = new Option<string?>("--preset") { Description = $"{string.Join(", ", QuantizationPresets.Names)} (default {QuantizationPresets.Default.Name} unless --bits is given)." }
            .AcceptOnlyFromAmong([.. QuantizationPresets.Names]);
        var bits = new Option<int?>("--bits") { Description = $"Weight bits, {BitWidths.Minimum}-{BitWidths.Maximum} (instead of --preset)." };
        var activationBits = new Option<int?>("--activation-bits") { Description = $"Activation bits, {BitWidths.Minimum}-{BitWidths.Maximum}, or {BitWidths.WeightOnly} for weight-only (with --bits; default {BitWidths.WeightOnly})." };
        var groupSize = new Option<int?>("--group-size") { Description = "Columns per weight range (default: one range per output row)." };
        var method = new Option<string?>("--method") { Description = "Which QLLM steps run (default: the preset's, see README)." }
            .AcceptOnlyFromAmong([.. MethodNames.All]);
        var rotation = new Option<string?>("--rotation") { Description = "none, or hadamard: QuaRot-style rotation of the residual stream, attention heads and down_proj input (default: the preset's)." }
            .AcceptOnlyFromAmong([.. RotationNames.All]);
        var rounding = new Option<string?>("--weight-rounding") { Description = "nearest, or gptq: error-feedback rounding on the calibration Hessians (default: the preset's)." }
            .AcceptOnlyFromAmong([.. WeightRoundingNames.All]);
        var defaults = new QuantizeOptions(QuantizationSettings.Default);
        var samples = new Option<int>("--samples") { Description = "Calibration samples.", DefaultValueFactory = _ => defaults.Samples }.InRange(1, 100_000);
        var epochs = new Option<int?>("--epochs") { Description = $"Error-correction epochs per block (default: the preset's, or {PresetRecipe.PaperEpochs} with --method)." }.InRange(0, 1000);
        var rank = new Option<int?>("--rank") { Description = $"Rank of the low-rank adapters (default: the preset's, or {PresetRecipe.PaperRank} with --method)." }.InRange(1, 4096);
        var learningRate = new Option<double?>("--learning-rate") { Description = $"AdamW learning rate, decayed linearly (default: the preset's, or {PresetRecipe.PaperLearningRate} with --method)." }.InRange(1e-9, 1);
        var batchSize = new Option<int?>("--batch-size") { Description = "Calibration samples per training step of the correction; the learning rate is per step (default: the preset's, or 1 with --method)." }.InRange(1, 100_000);
        var blockLayers = new Option<int>("--block-layers") { Description = "Decoder layers per block.", DefaultValueFactory = _ => defaults.BlockLayers }.InRange(1, 1024);
        var channelRatio = new Option<double>("--channel-ratio") { Description = "Cap on extra channels from disassembly, as a share of the channels.", DefaultValueFactory = _ => defaults.ChannelRatio }.InRange(0, 1);
        var mergeScore = new Option<string>("--merge-score") { Description = "How channel assembly ranks merges: merge-error (the output error a merge causes; measured better) or reference (QLLM's signed column sums).", DefaultValueFactory = _ => QuantizeOptionsText.MergeScore(AssemblyScore.MergeError) }
            .AcceptOnlyFromAmong([.. QuantizeOptionsText.MergeScores]);
        var seed = new Option<int>("--seed") { Description = "Seed of sampling and initialisation.", DefaultValueFactory = _ => defaults.Seed };
        var json = new Option<bool>("--json") { Description = "End with one JSON object describing the run." };
        var layers = new Option<int?>("--layers") { Description = "Benchmark/diagnostic: quantize only the first N decoder layers, report their time and peak memory, and write no artifact (--output is still checked)." }.InRange(1, 100_000);
        var command = new Command("quantize", "Quantize a model into a 4-bit artifact.")
        {
            model, calibration, output, preset, bits, activationBits, groupSize, method, rotation, rounding, samples, epochs, rank, learningRate, batchSize, blockLayers, channelRatio, mergeScore, seed, json, layers,
        };
        bits.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && !BitWidths.IsWeightBits(value))
            {
                result.AddError($"--bits must be between {BitWidths.Minimum} and {BitWidths.Maximum}, not {value}");
            }
        });
        activationBits.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && !BitWidths.IsActivationBits(value))
            {
                result.AddError($"--activation-bits must be between {BitWidths.Minimum} and {BitWidths.Maximum}, or {BitWidths.WeightOnly} for weight-only, not {value}");
            }
        });
        command.Validators.Add(result =>
        {
            if (result.GetValue(preset) is not null && (result.GetValue(bits) is not null || result.GetValue(activationBits) is not null))
            {
                result.AddError("give either --preset or --bits/--activation-bits, not both");
            }
        });
        command.SetAction((result, cancellation) =>
        {
            var settings = result.GetValue(bits) is { } weightBits
                ? new QuantizationSettings(weightBits, result.GetValue(activationBits) ?? BitWidths.WeightOnly, result.GetValue(groupSize))
                : (result.GetValue(preset) is { } presetName ? QuantizationSettings.Presets[presetName] : QuantizationSettings.Default) with { WeightGroupSize = result.GetValue(groupSize) };
            var recipe = QuantizationRecipe.For(settings, result.GetValue(method) is { } methodText ? QuantizeOptionsText.ParseMethod(methodText) : null);
            var options = new QuantizeOptions(
                settings,
                recipe.Method,
                result.GetValue(samples),
                result.GetValue(epochs) ?? recipe.Epochs,
                result.GetValue(rank) ?? recipe.Rank,
                LearningRate: result.GetValue(learningRate) ?? recipe.LearningRate,
                BlockLayers: result.GetValue(blockLayers),
                Seed: result.GetValue(seed),
                ChannelRatio: result.GetValue(channelRatio),
                MergeScore: QuantizeOptionsText.ParseMergeScore(result.GetValue(mergeScore)!),
                Rotation: result.GetValue(rotation) is { } rotationText ? QuantizeOptionsText.ParseRotation(rotationText) : recipe.Rotation,
                WeightRounding: result.GetValue(rounding) is { } roundingText ? QuantizeOptionsText.ParseWeightRounding(roundingText) : recipe.WeightRounding,
                BatchSize: result.GetValue(batchSize) ?? recipe.BatchSize);
            var device = global.StartTorch(result);
            var stderr = result.InvocationConfiguration.Error;
            var request = new QuantizeRequest(result.GetValue(model)!, result.GetValue(global.Tokenizer), result.GetValue(calibration)!, result.GetValue(output)!, options, result.GetValue(layers));
            using var watch = new BuildProcessWatch(stderr, cancellation);
            var summary = QuantizeProgressDisplay.IsWanted(stderr, result.GetValue(json))
                ? QuantizeProgressDisplay.Run(stderr, (log, blocks) => QuantizationJob.Run(request, device, log, blocks, Warn, watch.Token))
                : QuantizationJob.Run(request, device, line => stderr.WriteLine($"qllm: {line}"), blocks: null, Warn, watch.Token);
            // Canonical and unprefixed, so that the build's ToolTask reports them as warnings.
            void Warn(QllmWarning warning) => stderr.WriteLine(warning.ToCanonicalString());
            var stdout = result.InvocationConfiguration.Output;
            if (result.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(QuantizeReport.From(summary, options, device.type.ToString().ToLowerInvariant()), ReportJson.Default.QuantizeReport));
            }
            else
            {
                stdout.WriteLine(summary.Output ?? $"quantized {summary.Layers} layers, no artifact written (--layers)");
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}

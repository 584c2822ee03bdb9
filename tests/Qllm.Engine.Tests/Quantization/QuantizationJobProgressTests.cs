using Qllm.Engine.Quantization;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization;

public sealed class QuantizationJobProgressTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-progress-").FullName;

    [Fact]
    public void Block_progress_is_reported_before_the_first_block_and_after_each()
    {
        // GPTQ: the cheapest recipe that reads calibration, so that blocks run and are described.
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A4"], QuantizationMethod.Rtn, Samples: 1, BlockLayers: 4, WeightRounding: WeightRounding.Gptq);
        var request = new QuantizeRequest(TestData.ModelPath, null, TestData.CalibrationTextPath, Path.Combine(_folder, "gptq.qllm"), options);
        var events = new List<string>();
        QuantizationJob.Run(request, CPU, line => events.Add(line.Split(':')[0]), progress => events.Add($"progress {progress.BlocksDone}/{progress.BlockCount}"));

        // stories15M has 6 layers: blocks of 4 and 2. Each count follows the line that describes the block.
        Assert.Equal(
            ["progress 0/2", "block 0 (layers 0-3)", "progress 1/2", "block 1 (layers 4-5)", "progress 2/2"],
            events.Where(e => e.StartsWith("progress", StringComparison.Ordinal) || e.StartsWith("block", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_run_without_calibration_reports_its_progress_and_says_no_pass_was_made()
    {
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A4"], QuantizationMethod.Rtn, Samples: 1, BlockLayers: 4);
        var request = new QuantizeRequest(TestData.ModelPath, null, TestData.CalibrationTextPath, Path.Combine(_folder, "rtn.qllm"), options);
        var lines = new List<string>();
        var progress = new List<string>();
        QuantizationJob.Run(request, CPU, lines.Add, p => progress.Add($"{p.BlocksDone}/{p.BlockCount}"));

        Assert.Equal(["0/2", "1/2", "2/2"], progress);
        Assert.Contains(lines, line => line.EndsWith("no calibration pass (no step of this recipe reads the calibration text)", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith("block", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

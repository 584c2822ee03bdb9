using Qllm.Engine.Quantization;

namespace Qllm.Engine.Tests.Quantization;

public sealed class QuantizationCheckpointTests
{
    [Fact]
    public void A_block_report_with_an_unreassembled_point_survives_the_checkpoint()
    {
        var report = new BlockReport(1, 4, 2, [new PointReport(4, "qkv", double.PositiveInfinity, 0, 0.5, 0.5), new PointReport(4, "down", 3.25, 7, 0.1, 0.2)], 0.2, 0.1, 12.5);
        var restored = QuantizationCheckpoint.DeserializeReport(QuantizationCheckpoint.SerializeReport(report));
        Assert.Equal(report with { Points = [] }, restored with { Points = [] });
        Assert.Equal(report.Points, restored.Points);
    }
}

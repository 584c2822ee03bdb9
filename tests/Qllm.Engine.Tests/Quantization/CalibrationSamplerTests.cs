using Qllm.Core.Errors;
using Qllm.Engine.Quantization;

namespace Qllm.Engine.Tests.Quantization;

public sealed class CalibrationSamplerTests
{
    private static readonly int[] Text = [.. Enumerable.Range(100, 1000)];

    [Fact]
    public void Samples_are_bos_then_consecutive_text_from_the_seed()
    {
        var ids = CalibrationSampler.Sample(Text, seqLen: 8, samples: 3, seed: 7, bosId: 1);
        Assert.Equal(24, ids.Length);
        for (int s = 0; s < 3; s++)
        {
            Assert.Equal(1, ids[s * 8]);
            for (int i = 2; i < 8; i++)
            {
                Assert.Equal(ids[(s * 8) + i - 1] + 1, ids[(s * 8) + i]);
            }
        }

        Assert.Equal(ids, CalibrationSampler.Sample(Text, 8, 3, 7, 1));
        Assert.NotEqual(ids, CalibrationSampler.Sample(Text, 8, 3, 8, 1));
    }

    [Fact]
    public void A_text_shorter_than_one_sample_is_refused()
    {
        var error = Assert.Throws<QllmException>(() => CalibrationSampler.Sample(Text[..100], seqLen: 256, samples: 1, seed: 1, bosId: 1, textPath: "short.txt"));
        Assert.Equal(ErrorCodes.BadText, error.Code);
        Assert.Equal("short.txt", error.File);
    }
}

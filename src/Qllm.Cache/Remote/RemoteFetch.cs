namespace Qllm.Cache.Remote;

/// <summary>The result of <see cref="RemoteArtifactStore.TryFetchAsync"/>.</summary>
/// <param name="Kind">What the fetch came to.</param>
/// <param name="Reason">Why an entry was rejected or the server was unavailable, for the build's warning; null on a hit or a miss.</param>
internal sealed record RemoteFetch(RemoteFetchKind Kind, string? Reason)
{
    /// <summary>A verified artifact now lies at the destination.</summary>
    public static RemoteFetch Hit { get; } = new(RemoteFetchKind.Hit, null);

    /// <summary>No entry for the key.</summary>
    public static RemoteFetch Miss { get; } = new(RemoteFetchKind.Miss, null);

    /// <summary>An entry that could not be trusted, and why.</summary>
    public static RemoteFetch Rejected(string reason) => new(RemoteFetchKind.Rejected, reason);

    /// <summary>The server could not serve the request, and why.</summary>
    public static RemoteFetch Unavailable(string reason) => new(RemoteFetchKind.Unavailable, reason);
}

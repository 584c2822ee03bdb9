namespace Qllm.Cache.Remote;

/// <summary>What publishing to the shared tier came to.</summary>
internal enum RemotePublishKind
{
    /// <summary>Every chunk and then the manifest were stored: readers now find the entry.</summary>
    Published,

    /// <summary>The server could not be reached, did not answer in time, or failed; no manifest was written, so readers see no new entry.</summary>
    Unavailable,
}

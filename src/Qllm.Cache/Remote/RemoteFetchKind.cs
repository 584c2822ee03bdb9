namespace Qllm.Cache.Remote;

/// <summary>What a fetch from the shared tier came to.</summary>
internal enum RemoteFetchKind
{
    /// <summary>The artifact was fetched, verified and renamed onto the destination.</summary>
    Hit,

    /// <summary>The shared tier has no entry for the key.</summary>
    Miss,

    /// <summary>An entry was there but could not be trusted (unreadable manifest, no valid signature by the trusted key, missing chunk, wrong size or digest); nothing was written.</summary>
    Rejected,

    /// <summary>The server could not be reached, did not answer in time, or failed; nothing was written.</summary>
    Unavailable,
}

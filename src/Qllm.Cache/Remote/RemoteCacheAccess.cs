namespace Qllm.Cache.Remote;

/// <summary>What a machine may do with the shared tier.</summary>
internal enum RemoteCacheAccess
{
    /// <summary>Fetch only (<c>read</c>, the default): developers' machines, whose builds should not fill the team's cache.</summary>
    ReadOnly,

    /// <summary>Fetch and publish (<c>readwrite</c>): CI, whose builds are the ones to share.</summary>
    ReadWrite,
}

namespace Qllm.Cache.Remote;

/// <summary>The result of <see cref="RemoteArtifactStore.PublishAsync"/>.</summary>
/// <param name="Kind">What publishing came to.</param>
/// <param name="Reason">Why the server was unavailable, for the build's warning; null when published.</param>
internal sealed record RemotePublish(RemotePublishKind Kind, string? Reason)
{
    /// <summary>The entry is stored.</summary>
    public static RemotePublish Published { get; } = new(RemotePublishKind.Published, null);

    /// <summary>The entry could not be stored, and why.</summary>
    public static RemotePublish Unavailable(string reason) => new(RemotePublishKind.Unavailable, reason);
}

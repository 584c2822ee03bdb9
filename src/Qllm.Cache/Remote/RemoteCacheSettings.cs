using Qllm.Core.Errors;

namespace Qllm.Cache.Remote;

/// <summary>
/// Whether and how a build uses the shared tier, from the MSBuild properties
/// <c>QllmRemoteCache</c> / <c>QllmRemoteCacheMode</c> or, where those are empty, the environment
/// variables <c>QLLM_REMOTE_CACHE</c> / <c>QLLM_REMOTE_CACHE_MODE</c>. The connection string may
/// hold a password: <see cref="ToString"/> hides it, so the settings can be logged.
/// </summary>
/// <param name="ConnectionString">The server's connection string (for Redis: <c>host:port,option=value,...</c>).</param>
/// <param name="Access">Whether this machine may publish.</param>
internal sealed record RemoteCacheSettings(string ConnectionString, RemoteCacheAccess Access)
{
    /// <summary>The MSBuild property holding the connection string.</summary>
    public const string ConnectionProperty = "QllmRemoteCache";

    /// <summary>The MSBuild property holding the access mode.</summary>
    public const string ModeProperty = "QllmRemoteCacheMode";

    /// <summary>The environment variable holding the connection string when the property is empty.</summary>
    public const string ConnectionVariable = "QLLM_REMOTE_CACHE";

    /// <summary>The environment variable holding the access mode when the property is empty.</summary>
    public const string ModeVariable = "QLLM_REMOTE_CACHE_MODE";

    /// <summary>Whether builds on this machine publish what they quantize.</summary>
    public bool CanPublish => Access == RemoteCacheAccess.ReadWrite;

    /// <summary>The settings from the properties, else the process's environment; null when no connection string is given.</summary>
    /// <exception cref="QllmException">The mode is neither <c>read</c> nor <c>readwrite</c> (<see cref="ErrorCodes.RemoteCacheMisconfigured"/>).</exception>
    public static RemoteCacheSettings? Resolve(string? connectionProperty, string? modeProperty) =>
        Resolve(connectionProperty, modeProperty, Environment.GetEnvironmentVariable);

    /// <summary>The same resolution with the environment given, for tests.</summary>
    /// <exception cref="QllmException">The mode is neither <c>read</c> nor <c>readwrite</c> (<see cref="ErrorCodes.RemoteCacheMisconfigured"/>).</exception>
    public static RemoteCacheSettings? Resolve(string? connectionProperty, string? modeProperty, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var (mode, modeSource) = string.IsNullOrWhiteSpace(modeProperty)
            ? (environment(ModeVariable), ModeVariable)
            : (modeProperty, ModeProperty);

        // The mode is checked even without a connection string: a typo should be found the day it is made.
        var access = ParseAccess(mode, modeSource);
        var connection = string.IsNullOrWhiteSpace(connectionProperty) ? environment(ConnectionVariable) : connectionProperty;
        return string.IsNullOrWhiteSpace(connection) ? null : new RemoteCacheSettings(connection.Trim(), access);
    }

    /// <summary><c>read</c> (or empty) and <c>readwrite</c>, in any case; <paramref name="source"/> names where the value came from, for the error.</summary>
    /// <exception cref="QllmException">Any other value (<see cref="ErrorCodes.RemoteCacheMisconfigured"/>).</exception>
    public static RemoteCacheAccess ParseAccess(string? mode, string source) => mode?.Trim().ToUpperInvariant() switch
    {
        null or "" or "READ" => RemoteCacheAccess.ReadOnly,
        "READWRITE" => RemoteCacheAccess.ReadWrite,
        _ => throw new QllmException(
            ErrorCodes.RemoteCacheMisconfigured,
            null,
            $"{source} is '{mode}', which is not a remote cache mode",
            $"set {ModeProperty} (MSBuild) or {ModeVariable} to 'read' (fetch only: developers) or 'readwrite' (fetch and publish: CI), or leave it empty for 'read'"),
    };

    /// <summary>The settings with any <c>password=</c> value of the connection string hidden.</summary>
    public override string ToString() => $"{nameof(RemoteCacheSettings)} {{ {nameof(ConnectionString)} = {Redacted(ConnectionString)}, {nameof(Access)} = {Access} }}";

    /// <summary><paramref name="connectionString"/> with the value of any <c>password=</c> option replaced by asterisks.</summary>
    public static string Redacted(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return string.Join(',', connectionString.Split(',').Select(option =>
            option.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=*****" : option));
    }
}

using System.Globalization;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using Qllm.Core.Errors;
using StackExchange.Redis;

namespace Qllm.Cache.Remote;

/// <summary>
/// The shipped shared tier: a Redis server through <see cref="RedisCache"/>. The only file that
/// names StackExchange.Redis, so another <see cref="IDistributedCache"/> can replace it without
/// touching the rest. Its defaults make an unreachable server fail fast inside a build.
/// </summary>
internal static class RedisDistributedCache
{
    /// <summary>How long to wait for a connection unless the connection string says otherwise (the client's default is 5 s, and it retries).</summary>
    public const int DefaultConnectTimeoutMilliseconds = 2000;

    /// <summary>How long to wait for an answer unless the connection string says otherwise (the client's default is 5 s).</summary>
    public const int DefaultCommandTimeoutMilliseconds = 3000;

    /// <summary>
    /// A cache over the Redis server of <paramref name="connectionString"/>. It connects on first
    /// use and dispose of it (it is <see cref="IDisposable"/>) to close the connection.
    /// </summary>
    /// <exception cref="QllmException">The connection string cannot be read (<see cref="ErrorCodes.RemoteCacheMisconfigured"/>).</exception>
    public static IDistributedCache Create(string connectionString) =>
        new RedisCache(Options.Create(new RedisCacheOptions { ConfigurationOptions = Configuration(connectionString) }));

    /// <summary>
    /// The client's configuration: the connection string's, with these defaults for what it leaves
    /// out: no abort when the first connection fails (a failed call is reported instead of a
    /// connection that never retries), a 2 s connect timeout tried once and a 3 s command timeout; and always
    /// commands that fail at once while no connection is up.
    /// </summary>
    /// <exception cref="QllmException">The connection string cannot be read (<see cref="ErrorCodes.RemoteCacheMisconfigured"/>).</exception>
    public static ConfigurationOptions Configuration(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException e)
        {
            throw Misconfigured(connectionString, e.Message, e);
        }

        if (configuration.EndPoints.Count == 0)
        {
            throw Misconfigured(connectionString, "it names no server", null);
        }

        var given = connectionString.Split(',')
            .Select(option => option.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .Select(pair => pair[0].Trim())
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!given.Contains("abortConnect"))
        {
            configuration.AbortOnConnectFail = false;
        }

        if (!given.Contains("connectTimeout"))
        {
            configuration.ConnectTimeout = DefaultConnectTimeoutMilliseconds;
        }

        // Each retry of the first connection costs another connect timeout; the client goes on
        // reconnecting in the background anyway.
        if (!given.Contains("connectRetry"))
        {
            configuration.ConnectRetry = 1;
        }

        if (!given.Contains("syncTimeout"))
        {
            configuration.SyncTimeout = DefaultCommandTimeoutMilliseconds;
        }

        if (!given.Contains("asyncTimeout"))
        {
            configuration.AsyncTimeout = DefaultCommandTimeoutMilliseconds;
        }

        // While there is no connection a command fails at once instead of queueing for the command
        // timeout: a build that cannot reach the server goes on without it straight away.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        return configuration;
    }

    private static QllmException Misconfigured(string connectionString, string why, Exception? inner) =>
        new(ErrorCodes.RemoteCacheMisconfigured, null,
            string.Create(CultureInfo.InvariantCulture, $"the remote cache connection string '{RemoteCacheSettings.Redacted(connectionString)}' cannot be read ({why})"),
            $"set {RemoteCacheSettings.ConnectionProperty} (MSBuild) or {RemoteCacheSettings.ConnectionVariable} to host:port[,password=...][,ssl=true], or leave it empty for no remote cache",
            inner);
}

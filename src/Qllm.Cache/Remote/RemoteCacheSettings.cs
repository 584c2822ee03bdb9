using Qllm.Core.Errors;

namespace Qllm.Cache.Remote;

/// <summary>
/// Whether and how a build uses the shared tier, from the MSBuild properties
/// <c>QllmRemoteCache</c> / <c>QllmRemoteCacheMode</c> / <c>QllmRemoteCacheSigningKey</c> /
/// <c>QllmRemoteCacheTrustedKey</c> or, where those are empty, the environment variables
/// <c>QLLM_REMOTE_CACHE</c> / <c>QLLM_REMOTE_CACHE_MODE</c> / <c>QLLM_REMOTE_CACHE_SIGNING_KEY</c> /
/// <c>QLLM_REMOTE_CACHE_TRUSTED_KEY</c>. The connection string may hold a password and the signing
/// key is a secret: <see cref="ToString"/> hides both, so the settings can be logged.
/// </summary>
/// <param name="ConnectionString">The server's connection string (for Redis: <c>host:port,option=value,...</c>).</param>
/// <param name="Access">Whether this machine may publish.</param>
/// <param name="SigningKey">The writers' ECDSA P-256 private key (PKCS#8 DER) this machine signs what it publishes with, or null.</param>
/// <param name="TrustedKey">
/// The public key (SubjectPublicKeyInfo DER) every fetched entry must be signed for, or null to use
/// any consistent entry; when only a signing key is given, its public half.
/// </param>
internal sealed record RemoteCacheSettings(string ConnectionString, RemoteCacheAccess Access, byte[]? SigningKey = null, byte[]? TrustedKey = null)
{
    /// <summary>The MSBuild property holding the connection string.</summary>
    public const string ConnectionProperty = "QllmRemoteCache";

    /// <summary>The MSBuild property holding the access mode.</summary>
    public const string ModeProperty = "QllmRemoteCacheMode";

    /// <summary>The environment variable holding the connection string when the property is empty.</summary>
    public const string ConnectionVariable = "QLLM_REMOTE_CACHE";

    /// <summary>The environment variable holding the access mode when the property is empty.</summary>
    public const string ModeVariable = "QLLM_REMOTE_CACHE_MODE";

    /// <summary>The MSBuild property holding the writers' private key (CI only).</summary>
    public const string SigningKeyProperty = "QllmRemoteCacheSigningKey";

    /// <summary>The MSBuild property holding the writers' public key (every machine that should refuse unsigned entries).</summary>
    public const string TrustedKeyProperty = "QllmRemoteCacheTrustedKey";

    /// <summary>The environment variable holding the private key when the property is empty.</summary>
    public const string SigningKeyVariable = "QLLM_REMOTE_CACHE_SIGNING_KEY";

    /// <summary>The environment variable holding the public key when the property is empty.</summary>
    public const string TrustedKeyVariable = "QLLM_REMOTE_CACHE_TRUSTED_KEY";

    /// <summary>Whether builds on this machine publish what they quantize.</summary>
    public bool CanPublish => Access == RemoteCacheAccess.ReadWrite;

    /// <summary>The settings from the properties, else the process's environment; null when no connection string is given.</summary>
    /// <exception cref="QllmException">The mode is neither <c>read</c> nor <c>readwrite</c>, or a key cannot be read (<see cref="ErrorCodes.RemoteCacheMisconfigured"/>).</exception>
    public static RemoteCacheSettings? Resolve(string? connectionProperty, string? modeProperty, string? signingKeyProperty, string? trustedKeyProperty) =>
        Resolve(connectionProperty, modeProperty, signingKeyProperty, trustedKeyProperty, Environment.GetEnvironmentVariable);

    /// <summary>The same resolution with the environment given, for tests.</summary>
    /// <exception cref="QllmException">The mode is neither <c>read</c> nor <c>readwrite</c>, or a key cannot be read (<see cref="ErrorCodes.RemoteCacheMisconfigured"/>).</exception>
    public static RemoteCacheSettings? Resolve(string? connectionProperty, string? modeProperty, string? signingKeyProperty, string? trustedKeyProperty, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var (mode, modeSource) = FromPropertyOrVariable(modeProperty, ModeProperty, ModeVariable, environment);

        // The mode and the keys are checked even without a connection string: a typo should be found the day it is made.
        var access = ParseAccess(mode, modeSource);
        var (signing, signingSource) = FromPropertyOrVariable(signingKeyProperty, SigningKeyProperty, SigningKeyVariable, environment);
        var signingKey = string.IsNullOrWhiteSpace(signing) ? null : RemoteEntrySignature.ReadPrivateKey(signing, signingSource);
        var (trusted, trustedSource) = FromPropertyOrVariable(trustedKeyProperty, TrustedKeyProperty, TrustedKeyVariable, environment);
        var trustedKey = string.IsNullOrWhiteSpace(trusted) ? null : RemoteEntrySignature.ReadPublicKey(trusted, trustedSource);
        if (signingKey is not null)
        {
            var own = RemoteEntrySignature.PublicKeyOf(signingKey);

            // A machine that signs trusts its own signatures at least; one whose two keys disagree
            // would publish entries it (and every reader configured alike) then refuses.
            if (trustedKey is not null && !own.AsSpan().SequenceEqual(trustedKey))
            {
                throw new QllmException(
                    ErrorCodes.RemoteCacheMisconfigured,
                    null,
                    $"{signingSource} is not the private half of {trustedSource} ({RemoteEntrySignature.Fingerprint(trustedKey)}; the signing key's public half is {RemoteEntrySignature.Fingerprint(own)})",
                    $"give {trustedSource} the public key of {signingSource} (`openssl ec -pubout`), or leave it empty on machines that sign");
            }

            trustedKey = own;
        }

        var connection = string.IsNullOrWhiteSpace(connectionProperty) ? environment(ConnectionVariable) : connectionProperty;
        return string.IsNullOrWhiteSpace(connection) ? null : new RemoteCacheSettings(connection.Trim(), access, signingKey, trustedKey);
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

    /// <summary>The settings with any <c>password=</c> value of the connection string and the signing key hidden (the trusted key is public: its fingerprint is shown).</summary>
    public override string ToString() =>
        $"{nameof(RemoteCacheSettings)} {{ {nameof(ConnectionString)} = {Redacted(ConnectionString)}, {nameof(Access)} = {Access}, " +
        $"{nameof(SigningKey)} = {(SigningKey is null ? "none" : "*****")}, {nameof(TrustedKey)} = {(TrustedKey is null ? "none" : RemoteEntrySignature.Fingerprint(TrustedKey))} }}";

    /// <summary>Whether fetched entries must carry a signature for <see cref="TrustedKey"/>.</summary>
    public bool VerifiesEntries => TrustedKey is not null;

    private static (string? Value, string Source) FromPropertyOrVariable(string? property, string propertyName, string variable, Func<string, string?> environment) =>
        string.IsNullOrWhiteSpace(property) ? (environment(variable), variable) : (property, propertyName);

    /// <summary><paramref name="connectionString"/> with the value of any <c>password=</c> option replaced by asterisks.</summary>
    public static string Redacted(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return string.Join(',', connectionString.Split(',').Select(option =>
            option.TrimStart().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=*****" : option));
    }
}

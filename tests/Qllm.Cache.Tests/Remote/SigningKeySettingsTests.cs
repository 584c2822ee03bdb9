using System.Security.Cryptography;
using Qllm.Cache.Remote;
using Qllm.Core.Errors;

namespace Qllm.Cache.Tests.Remote;

/// <summary>How the writers' private key and the readers' public key are read, and what is refused.</summary>
public sealed class SigningKeySettingsTests : IDisposable
{
    private const string Connection = "cache.example:6379";
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private readonly ECDsa _writers = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TemporaryFolder _folder = new();

    private string PrivatePem => _writers.ExportPkcs8PrivateKeyPem();

    private string PublicPem => _writers.ExportSubjectPublicKeyInfoPem();

    private byte[] PublicKey => _writers.ExportSubjectPublicKeyInfo();

    [Fact]
    public void A_private_key_is_read_from_pem_text_a_pem_file_or_base64_and_its_machine_trusts_its_public_half()
    {
        File.WriteAllText(_folder.File("writers.pem"), PrivatePem);
        string[] forms = [PrivatePem, _folder.File("writers.pem"), Convert.ToBase64String(_writers.ExportPkcs8PrivateKey()), _writers.ExportECPrivateKeyPem()];

        foreach (var form in forms)
        {
            var settings = RemoteCacheSettings.Resolve(Connection, "readwrite", form, null, NoEnvironment.GetValueOrDefault)!;

            Assert.Equal(_writers.ExportPkcs8PrivateKey(), settings.SigningKey);
            Assert.Equal(PublicKey, settings.TrustedKey);
            Assert.True(settings.VerifiesEntries);
        }
    }

    [Fact]
    public void A_public_key_is_read_from_pem_text_a_pem_file_or_base64()
    {
        File.WriteAllText(_folder.File("writers.pub.pem"), PublicPem);
        string[] forms = [PublicPem, _folder.File("writers.pub.pem"), Convert.ToBase64String(PublicKey), "  " + PublicPem + "\n"];

        foreach (var form in forms)
        {
            var settings = RemoteCacheSettings.Resolve(Connection, null, null, form, NoEnvironment.GetValueOrDefault)!;

            Assert.Null(settings.SigningKey);
            Assert.Equal(PublicKey, settings.TrustedKey);
        }
    }

    [Fact]
    public void Without_keys_nothing_is_verified()
    {
        var settings = RemoteCacheSettings.Resolve(Connection, null, "", " ", NoEnvironment.GetValueOrDefault)!;

        Assert.Null(settings.SigningKey);
        Assert.Null(settings.TrustedKey);
        Assert.False(settings.VerifiesEntries);
    }

    [Fact]
    public void The_environment_is_used_where_the_key_properties_are_empty()
    {
        var environment = new Dictionary<string, string?>
        {
            [RemoteCacheSettings.SigningKeyVariable] = PrivatePem,
            [RemoteCacheSettings.TrustedKeyVariable] = Convert.ToBase64String(PublicKey),
        };

        var settings = RemoteCacheSettings.Resolve(Connection, "readwrite", null, "", environment.GetValueOrDefault)!;

        Assert.Equal(_writers.ExportPkcs8PrivateKey(), settings.SigningKey);
        Assert.Equal(PublicKey, settings.TrustedKey);
    }

    [Theory]
    [InlineData("not a key")]
    [InlineData("c2hvcnQ=")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")]
    [InlineData("/no/such/key.pem")]
    public void An_unreadable_key_is_a_misconfiguration_that_does_not_repeat_the_value(string value)
    {
        var signing = Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(Connection, null, value, null, NoEnvironment.GetValueOrDefault));
        var trusted = Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(Connection, null, null, value, NoEnvironment.GetValueOrDefault));

        Assert.Equal(ErrorCodes.RemoteCacheMisconfigured, signing.Code);
        Assert.Equal(ErrorCodes.RemoteCacheMisconfigured, trusted.Code);
        Assert.Contains("QllmRemoteCacheSigningKey is not an ECDSA P-256 private key", signing.Problem, StringComparison.Ordinal);
        Assert.Contains("QllmRemoteCacheTrustedKey is not an ECDSA P-256 public key", trusted.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(value, signing.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, trusted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_checked_even_without_a_connection_string_names_its_variable()
    {
        var environment = new Dictionary<string, string?> { [RemoteCacheSettings.SigningKeyVariable] = "hunter2" };

        var error = Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(null, null, null, null, environment.GetValueOrDefault));

        Assert.Contains("QLLM_REMOTE_CACHE_SIGNING_KEY is not an ECDSA P-256 private key", error.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_public_key_as_the_signing_key_and_a_private_key_as_the_trusted_key_are_refused()
    {
        var signing = Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(Connection, null, PublicPem, null, NoEnvironment.GetValueOrDefault));
        var trusted = Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(Connection, null, null, PrivatePem, NoEnvironment.GetValueOrDefault));

        Assert.Contains("is not an ECDSA P-256 private key", signing.Problem, StringComparison.Ordinal);
        Assert.Contains("holds a private key; readers must be given only the public key", trusted.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(PrivatePem, trusted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_of_other_curves_or_algorithms_are_refused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);

        Assert.Contains("another curve than P-256", Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(Connection, null, p384.ExportPkcs8PrivateKeyPem(), null, NoEnvironment.GetValueOrDefault)).Problem, StringComparison.Ordinal);
        Assert.Contains("another curve than P-256", Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(Connection, null, null, p384.ExportSubjectPublicKeyInfoPem(), NoEnvironment.GetValueOrDefault)).Problem, StringComparison.Ordinal);
        Assert.Equal(ErrorCodes.RemoteCacheMisconfigured, Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(Connection, null, rsa.ExportPkcs8PrivateKeyPem(), null, NoEnvironment.GetValueOrDefault)).Code);
        Assert.Equal(ErrorCodes.RemoteCacheMisconfigured, Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(Connection, null, null, rsa.ExportSubjectPublicKeyInfoPem(), NoEnvironment.GetValueOrDefault)).Code);
    }

    [Fact]
    public void A_signing_key_that_is_not_the_private_half_of_the_trusted_key_is_refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var error = Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(Connection, "readwrite", PrivatePem, other.ExportSubjectPublicKeyInfoPem(), NoEnvironment.GetValueOrDefault));

        Assert.Equal(ErrorCodes.RemoteCacheMisconfigured, error.Code);
        Assert.Contains("QllmRemoteCacheSigningKey is not the private half of QllmRemoteCacheTrustedKey", error.Problem, StringComparison.Ordinal);
        Assert.Equal(PublicKey, RemoteCacheSettings.Resolve(Connection, "readwrite", PrivatePem, PublicPem, NoEnvironment.GetValueOrDefault)!.TrustedKey);
    }

    [Fact]
    public void Printed_settings_hide_the_signing_key_and_show_the_trusted_keys_fingerprint()
    {
        var settings = RemoteCacheSettings.Resolve(Connection, "readwrite", PrivatePem, null, NoEnvironment.GetValueOrDefault)!;

        var printed = settings.ToString();

        Assert.Contains("SigningKey = *****", printed, StringComparison.Ordinal);
        Assert.Contains($"TrustedKey = {RemoteEntrySignature.Fingerprint(PublicKey)}", printed, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(_writers.ExportPkcs8PrivateKey())[..40], printed, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Byte", printed, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _writers.Dispose();
        _folder.Dispose();
    }
}

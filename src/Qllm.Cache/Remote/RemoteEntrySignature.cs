using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Qllm.Core.Errors;

namespace Qllm.Cache.Remote;

/// <summary>
/// The shared tier's proof of origin: an ECDSA P-256 signature (SHA-256, IEEE P1363 r‖s, base64)
/// over the cache key, the artifact's SHA-256 and its length. Writers (CI) hold the private key
/// and sign what they publish; readers hold only the public key, so a reader cannot forge an
/// entry, and neither can anyone who merely can write to the server. The key is signed along with
/// the digest so that a genuine entry cannot be replayed under another key (another model or
/// other options); the chunks need no signature of their own, since the signed digest binds them.
/// </summary>
internal static class RemoteEntrySignature
{
    /// <summary>Separates this use of the key from any other it might be put to.</summary>
    private const string Domain = "qllm-remote-entry-v1";

    /// <summary>The OID of NIST P-256 (secp256r1), the only curve accepted.</summary>
    private const string P256 = "1.2.840.10045.3.1.7";

    /// <summary>The bytes a signature covers.</summary>
    public static byte[] Payload(string key, string sha256, long bytes) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Domain}\n{key}\n{sha256}\n{bytes}"));

    /// <summary>Signs an entry with <paramref name="privateKey"/> (PKCS#8 DER); the result is base64.</summary>
    public static string Sign(byte[] privateKey, string key, string sha256, long bytes)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(privateKey, out _);
        return Convert.ToBase64String(ecdsa.SignData(Payload(key, sha256, bytes), HashAlgorithmName.SHA256));
    }

    /// <summary>Whether <paramref name="manifest"/> carries a signature of <paramref name="key"/>'s entry by the holder of <paramref name="publicKey"/> (SubjectPublicKeyInfo DER).</summary>
    public static bool Verify(byte[] publicKey, string key, RemoteManifest manifest)
    {
        if (manifest.Signature is not { } text)
        {
            return false;
        }

        var signature = new byte[64];
        if (!Convert.TryFromBase64String(text, signature, out var length) || length != signature.Length)
        {
            return false;
        }

        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(publicKey, out _);
        return ecdsa.VerifyData(Payload(key, manifest.Sha256, manifest.Bytes), signature, HashAlgorithmName.SHA256);
    }

    /// <summary>The public half (SubjectPublicKeyInfo DER) of a private key (PKCS#8 DER).</summary>
    public static byte[] PublicKeyOf(byte[] privateKey)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(privateKey, out _);
        return ecdsa.ExportSubjectPublicKeyInfo();
    }

    /// <summary>A short, printable name of a public key (the start of its SHA-256), for logs: never the key itself.</summary>
    public static string Fingerprint(byte[] publicKey) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16];

    /// <summary>
    /// Reads a writer's ECDSA P-256 private key: PEM text (<c>PRIVATE KEY</c> or <c>EC PRIVATE KEY</c>),
    /// the path of a PEM file, or base64 PKCS#8. <paramref name="source"/> names the property or
    /// variable for the error, which never repeats the value: it is a secret.
    /// </summary>
    /// <returns>The key as PKCS#8 DER.</returns>
    /// <exception cref="QllmException">The value is none of these, or not a P-256 key (<see cref="ErrorCodes.RemoteCacheMisconfigured"/>).</exception>
    public static byte[] ReadPrivateKey(string value, string source)
    {
        using var ecdsa = Import(value, source, isPrivate: true);
        return ecdsa.ExportPkcs8PrivateKey();
    }

    /// <summary>Reads a reader's ECDSA P-256 public key: PEM text (<c>PUBLIC KEY</c>), the path of a PEM file, or base64 SubjectPublicKeyInfo.</summary>
    /// <returns>The key as SubjectPublicKeyInfo DER.</returns>
    /// <exception cref="QllmException">The value is none of these, a private key, or not a P-256 key (<see cref="ErrorCodes.RemoteCacheMisconfigured"/>).</exception>
    public static byte[] ReadPublicKey(string value, string source)
    {
        using var ecdsa = Import(value, source, isPrivate: false);
        return ecdsa.ExportSubjectPublicKeyInfo();
    }

    private static ECDsa Import(string value, string source, bool isPrivate)
    {
        var text = value.Trim();
        var what = isPrivate ? "an ECDSA P-256 private key" : "an ECDSA P-256 public key";
        var forms = isPrivate ? "PEM text (PRIVATE KEY or EC PRIVATE KEY), the path of a PEM file, or base64 PKCS#8" : "PEM text (PUBLIC KEY), the path of a PEM file, or base64 SubjectPublicKeyInfo";
        var fix = isPrivate
            ? $"give {source} the writers' private key as {forms}; create one with `openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt`"
            : $"give {source} the writers' public key as {forms}; derive it from the private key with `openssl ec -pubout`";
        var ecdsa = ECDsa.Create();
        try
        {
            if (!text.Contains("-----BEGIN", StringComparison.Ordinal) && File.Exists(text))
            {
                text = File.ReadAllText(text).Trim();
            }

            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                // A private key where a public one belongs would put the writers' secret on every reader.
                if (!isPrivate && text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                {
                    throw Misconfigured($"{source} holds a private key; readers must be given only the public key", fix);
                }

                ecdsa.ImportFromPem(text);
            }
            else if (isPrivate)
            {
                ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(text), out _);
            }
            else
            {
                ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(text), out _);
            }

            if (isPrivate)
            {
                // Throws when the PEM held only a public key.
                ecdsa.ExportPkcs8PrivateKey();
            }

            if (ecdsa.ExportParameters(false).Curve.Oid?.Value != P256)
            {
                throw Misconfigured($"{source} is an ECDSA key on another curve than P-256", fix);
            }

            return ecdsa;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            ecdsa.Dispose();

            // The exception's own message is left out: some echo the input, and the input is a secret.
            throw Misconfigured($"{source} is not {what}", fix);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    private static QllmException Misconfigured(string problem, string fix) =>
        new(ErrorCodes.RemoteCacheMisconfigured, null, problem, fix);
}

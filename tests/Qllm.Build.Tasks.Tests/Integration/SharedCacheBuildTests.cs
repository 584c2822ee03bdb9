using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Qllm.Cache;
using Qllm.Cache.Remote;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>
/// "Machines" (projects with their own local stores) sharing a real redis-server: CI (machine A)
/// holds the writers' private key, developers (machine B) their public key, and an attacker can
/// write to Redis but holds no key.
/// </summary>
[Collection(RealBuilds.Name)]
public sealed class SharedCacheBuildTests : IDisposable
{
    private readonly RedisServer _redis = new();
    private readonly TemporaryFolder _machineA = new();
    private readonly TemporaryFolder _machineB = new();
    private readonly TemporaryFolder _machineC = new();
    private readonly TemporaryFolder _keys = new();
    private readonly ECDsa _writers = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public SharedCacheBuildTests()
    {
        File.WriteAllText(_keys.File("writers.pem"), _writers.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(_keys.File("writers.pub.pem"), _writers.ExportSubjectPublicKeyInfoPem());
    }

    private string Fingerprint => RemoteEntrySignature.Fingerprint(_writers.ExportSubjectPublicKeyInfo());

    [Fact]
    public void Machine_A_signs_what_it_publishes_and_machine_B_that_trusts_it_gets_a_hit_without_quantizing()
    {
        using var a = new FixtureProject(_machineA.Path);
        var published = a.Build(Signing());
        BuildLog.Succeeded(published);
        Assert.Contains("to the shared cache (signed)", published.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(_writers.ExportPkcs8PrivateKeyPem().Split('\n')[1], published.Output, StringComparison.Ordinal);

        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build(Trusting());

        BuildLog.Succeeded(build);
        Assert.Contains($"came from the shared cache ({_redis.ConnectionString}, signed by {Fingerprint})", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("warning QLLM", build.Output, StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(build.Output));
        Assert.Equal(File.ReadAllBytes(a.ArtifactPath()), File.ReadAllBytes(b.ArtifactPath()));
        Assert.Single(new LocalArtifactStore(_machineB.Path).List());
        Assert.Equal(0, b.Run().ExitCode);
    }

    [Fact]
    public void A_read_only_machine_does_not_publish()
    {
        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build(Shared("read"));

        BuildLog.Succeeded(build);
        Assert.True(BuildLog.StartedTool(build.Output));
        Assert.DoesNotContain("published", build.Output, StringComparison.Ordinal);
        Assert.Equal("0", _redis.Command("DBSIZE").TrimStart(':'));
    }

    [Fact]
    public void A_flipped_byte_in_a_signed_entrys_chunk_is_rejected_with_a_warning_and_the_honest_artifact_is_built()
    {
        using var a = new FixtureProject(_machineA.Path);
        BuildLog.Succeeded(a.Build(Signing()));
        var honest = File.ReadAllBytes(a.ArtifactPath());
        var key = Assert.Single(new LocalArtifactStore(_machineA.Path).List()).Manifest.Key;
        var shared = RedisDistributedCache.Create(_redis.ConnectionString);
        using ((IDisposable)shared)
        {
            // The manifest and its signature stay genuine; only the bytes change, so a build that
            // used them would embed an artifact that differs from the honest one.
            var manifest = JsonSerializer.Deserialize(shared.Get(RemoteCacheKeys.Manifest(key))!, RemoteCacheJson.Default.RemoteManifest)!;
            var chunk = RemoteCacheKeys.Chunk(key, manifest.Writer, manifest.Chunks - 1);
            var poisoned = shared.Get(chunk)!;
            poisoned[poisoned.Length / 2] ^= 0x01;
            shared.Set(chunk, poisoned);
        }

        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build(Trusting());

        BuildLog.Succeeded(build);
        Assert.Contains($"warning QLLM4005: the shared cache's entry {key} for", build.Output, StringComparison.Ordinal);
        Assert.Contains("was rejected (its SHA-256 does not match the manifest); quantizing locally", build.Output, StringComparison.Ordinal);
        Assert.True(BuildLog.StartedTool(build.Output));
        Assert.Equal(honest, File.ReadAllBytes(b.ArtifactPath()));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(honest)), new LocalArtifactStore(_machineB.Path).TryGet(key).Entry!.Manifest.Sha256);
    }

    [Fact]
    public void A_consistent_forged_entry_is_used_by_a_machine_without_a_key_and_never_by_one_that_trusts_only_the_writers()
    {
        // The honest artifact, quantized without any shared cache.
        using var a = new FixtureProject(_machineA.Path);
        BuildLog.Succeeded(a.Build());
        var honest = File.ReadAllBytes(a.ArtifactPath());
        var key = Assert.Single(new LocalArtifactStore(_machineA.Path).List()).Manifest.Key;

        // The attacker, who can write to Redis, publishes another artifact under that key: real
        // chunks and a manifest that matches them, unsigned (it has no key).
        var forged = honest.ToArray();
        forged[forged.Length / 2] ^= 0x01;
        File.WriteAllBytes(_keys.File("forged.qllm"), forged);
        Publish(key, _keys.File("forged.qllm"), signingKey: null);

        // A machine without a key trusts whoever can write to Redis: it embeds the forgery. This is
        // what makes the next build's refusal observable.
        using var c = new FixtureProject(_machineC.Path);
        var trusting = c.Build(Shared("read"));
        BuildLog.Succeeded(trusting);
        Assert.Contains("came from the shared cache", trusting.Output, StringComparison.Ordinal);
        Assert.Equal(forged, File.ReadAllBytes(c.ArtifactPath()));

        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build(Trusting());

        BuildLog.Succeeded(build);
        Assert.Contains($"warning QLLM4005: the shared cache's entry {key} for", build.Output, StringComparison.Ordinal);
        Assert.Contains("was rejected (it is not signed, and this machine trusts only signed entries); quantizing locally", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("came from the shared cache", build.Output, StringComparison.Ordinal);
        Assert.True(BuildLog.StartedTool(build.Output));
        Assert.Equal(honest, File.ReadAllBytes(b.ArtifactPath()));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(honest)), new LocalArtifactStore(_machineB.Path).TryGet(key).Entry!.Manifest.Sha256);
    }

    [Fact]
    public void A_forged_entry_signed_with_another_key_is_rejected_by_a_machine_given_the_public_key_in_the_environment()
    {
        using var a = new FixtureProject(_machineA.Path);
        BuildLog.Succeeded(a.Build());
        var honest = File.ReadAllBytes(a.ArtifactPath());
        var key = Assert.Single(new LocalArtifactStore(_machineA.Path).List()).Manifest.Key;
        var forged = honest.ToArray();
        forged[forged.Length / 3] ^= 0x10;
        File.WriteAllBytes(_keys.File("forged.qllm"), forged);
        using var attackers = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Publish(key, _keys.File("forged.qllm"), attackers.ExportPkcs8PrivateKey());

        var environment = new Dictionary<string, string> { [RemoteCacheSettings.TrustedKeyVariable] = Convert.ToBase64String(_writers.ExportSubjectPublicKeyInfo()) };
        using var b = new FixtureProject(_machineB.Path, environment: environment);
        var build = b.Build(Shared("read"));

        BuildLog.Succeeded(build);
        Assert.Contains($"was rejected (its signature does not verify with the trusted key {Fingerprint}); quantizing locally", build.Output, StringComparison.Ordinal);
        Assert.True(BuildLog.StartedTool(build.Output));
        Assert.Equal(honest, File.ReadAllBytes(b.ArtifactPath()));
    }

    [Fact]
    public void An_unreadable_trusted_key_is_error_QLLM4004()
    {
        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build([.. Shared("read"), "-p:QllmRemoteCacheTrustedKey=not-a-key"]);

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error QLLM4004: QllmRemoteCacheTrustedKey is not an ECDSA P-256 public key", build.Output, StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(build.Output));
    }

    [Fact]
    public void Redis_stopped_mid_build_is_a_warning_and_the_build_succeeds()
    {
        using var a = new FixtureProject(_machineA.Path, """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Samples="2" Epochs="1" />""");
        var running = DotnetProcess.Start(a.Folder, [.. a.BuildArguments("build"), .. Shared("readwrite")]);
        using (ToolProcess.WaitFor(_machineA.Path))
        {
            _redis.Stop();
        }

        var build = running.Wait(TimeSpan.FromMinutes(5));

        BuildLog.Succeeded(build);
        Assert.Contains("warning QLLM4006", build.Output, StringComparison.Ordinal);
        Assert.Single(new LocalArtifactStore(_machineA.Path).List());
        Assert.Equal(0, a.Run().ExitCode);
    }

    [Fact]
    public void An_unreachable_server_is_a_warning_and_the_model_is_quantized_locally()
    {
        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build($"-p:QllmRemoteCache=127.0.0.1:{RedisServer.FreePort()}");

        BuildLog.Succeeded(build);
        Assert.Contains("warning QLLM4006", build.Output, StringComparison.Ordinal);
        Assert.True(BuildLog.StartedTool(build.Output));
    }

    public void Dispose()
    {
        _redis.Dispose();
        _machineA.Dispose();
        _machineB.Dispose();
        _machineC.Dispose();
        _keys.Dispose();
        _writers.Dispose();
    }

    private string[] Shared(string mode) => [$"-p:QllmRemoteCache={_redis.ConnectionString}", $"-p:QllmRemoteCacheMode={mode}"];

    /// <summary>CI: publishes, signing with the writers' private key (a PEM file, so the build log shows only its path).</summary>
    private string[] Signing() => [.. Shared("readwrite"), $"-p:QllmRemoteCacheSigningKey={_keys.File("writers.pem")}"];

    /// <summary>A developer: fetches only entries the writers signed.</summary>
    private string[] Trusting() => [.. Shared("read"), $"-p:QllmRemoteCacheTrustedKey={_keys.File("writers.pub.pem")}"];

    /// <summary>Publishes <paramref name="artifact"/> under <paramref name="key"/> as someone who can write to Redis would.</summary>
    private void Publish(string key, string artifact, byte[]? signingKey)
    {
        var shared = RedisDistributedCache.Create(_redis.ConnectionString);
        using ((IDisposable)shared)
        {
            var store = new RemoteArtifactStore(shared, new RemoteCacheOptions { SigningKey = signingKey });
            Assert.Equal(RemotePublish.Published, store.PublishAsync(key, artifact, default).GetAwaiter().GetResult());
        }
    }
}

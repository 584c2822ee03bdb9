using System.Security.Cryptography;
using Qllm.Artifacts.Container;
using Qllm.Core.Errors;
using Qllm.TestSupport;

namespace Qllm.Artifacts.Tests.Container;

/// <summary>
/// Opening with a verification memo: an unchanged file that verified once is not read whole again,
/// and anything that changes its length, write time or trailer is verified again before its bytes
/// are used, so a corrupt file is still refused with QLLM2011.
/// </summary>
public sealed class ArtifactVerificationMemoTests : IDisposable
{
    // Old enough not to be "racily clean" (written too recently to trust its write time).
    private static readonly DateTime LongAgo = DateTime.UtcNow.AddHours(-1);

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_file_that_verified_once_is_not_hashed_again()
    {
        var memo = new ArtifactVerificationMemo(_folder.File("memo"));
        var path = WriteArtifact("model.qllm", seed: 1);

        using (var first = ArtifactReader.Open(path, memo))
        {
            Assert.False(first.DigestRecalled);
        }

        using var second = ArtifactReader.Open(path, memo);
        Assert.True(second.DigestRecalled);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), second.Digest);
        Assert.Equal(Weights(1), second.ReadFloat32("weights"));
        Assert.Single(Directory.GetFiles(memo.Folder));
    }

    [Fact]
    public void A_file_changed_in_place_with_the_same_length_is_verified_again_and_refused()
    {
        var memo = new ArtifactVerificationMemo(_folder.File("memo"));
        var path = WriteArtifact("model.qllm", seed: 1);
        ArtifactReader.Open(path, memo).Dispose();

        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length - 64] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, LongAgo.AddMinutes(1));

        var error = Assert.Throws<QllmException>(() => ArtifactReader.Open(path, memo));
        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
        Assert.Contains("SHA-256", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_artifact_of_the_same_length_and_write_time_is_verified_again()
    {
        var memo = new ArtifactVerificationMemo(_folder.File("memo"));
        var path = WriteArtifact("model.qllm", seed: 1);
        ArtifactReader.Open(path, memo).Dispose();

        // Other weights, so another trailer: the memo's entry no longer fits the file.
        File.Copy(WriteArtifact("other.qllm", seed: 2), path, overwrite: true);
        File.SetLastWriteTimeUtc(path, LongAgo);

        using var reader = ArtifactReader.Open(path, memo);
        Assert.False(reader.DigestRecalled);
        Assert.Equal(Weights(2), reader.ReadFloat32("weights"));
    }

    [Fact]
    public void A_file_written_just_now_is_not_remembered()
    {
        var memo = new ArtifactVerificationMemo(_folder.File("memo"));
        var path = _folder.File("fresh.qllm");
        Writer(seed: 1).Write(path);

        ArtifactReader.Open(path, memo).Dispose();
        using var again = ArtifactReader.Open(path, memo);
        Assert.False(again.DigestRecalled);
    }

    [Fact]
    public void A_memo_that_cannot_be_written_only_means_verifying_every_time()
    {
        // Under a file, not a folder: no one can create it, root included.
        var blocker = _folder.File("blocker");
        File.WriteAllText(blocker, "not a folder");
        var memo = new ArtifactVerificationMemo(Path.Combine(blocker, "memo"));
        var path = WriteArtifact("model.qllm", seed: 1);

        for (int i = 0; i < 2; i++)
        {
            using var reader = ArtifactReader.Open(path, memo);
            Assert.False(reader.DigestRecalled);
            Assert.Equal(Weights(1), reader.ReadFloat32("weights"));
        }
    }

    [Fact]
    public void A_damaged_memo_entry_is_a_miss()
    {
        var memo = new ArtifactVerificationMemo(_folder.File("memo"));
        var path = WriteArtifact("model.qllm", seed: 1);
        ArtifactReader.Open(path, memo).Dispose();
        File.WriteAllText(Directory.GetFiles(memo.Folder).Single(), "qllm-verified-artifact 1\ngarbage");

        using var reader = ArtifactReader.Open(path, memo);
        Assert.False(reader.DigestRecalled);
    }

    [Fact]
    public void A_corrupt_file_is_refused_and_not_remembered()
    {
        var memo = new ArtifactVerificationMemo(_folder.File("memo"));
        var path = WriteArtifact("model.qllm", seed: 1);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length - 64] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, LongAgo);

        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(ErrorCodes.BadArtifact, Assert.Throws<QllmException>(() => ArtifactReader.Open(path, memo)).Code);
        }

        Assert.False(Directory.Exists(memo.Folder) && Directory.GetFiles(memo.Folder).Length > 0);
    }

    private string WriteArtifact(string name, int seed)
    {
        var path = _folder.File(name);
        Writer(seed).Write(path);
        File.SetLastWriteTimeUtc(path, LongAgo);
        return path;
    }

    private static ArtifactWriter Writer(int seed)
    {
        var writer = new ArtifactWriter();
        writer.AddFloat32("weights", [4, 16], Weights(seed));
        return writer;
    }

    private static float[] Weights(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 64).Select(_ => (float)random.NextDouble())];
    }
}

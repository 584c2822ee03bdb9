using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Qllm.Artifacts.Container;
using Qllm.Core.Errors;

namespace Qllm.Runtime.Tests;

/// <summary>Every broken artifact is one clear error naming the file: never a crash, a hang or garbage text.</summary>
public sealed class BadArtifactTests(QuantizedArtifactsFixture artifacts) : IClassFixture<QuantizedArtifactsFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-bad-").FullName;

    [Fact]
    public void A_missing_file()
    {
        var path = Path.Combine(_folder, "missing.qllm");
        Refused(path, ErrorCodes.InputNotFound);
    }

    [Fact]
    public void A_truncated_artifact()
    {
        var bytes = File.ReadAllBytes(artifacts.Artifact("W4A4"));
        var path = Write("truncated.qllm", bytes[..(bytes.Length / 2)]);
        Refused(path, ErrorCodes.BadArtifact);
    }

    [Fact]
    public void A_flipped_byte_in_the_weights()
    {
        var bytes = File.ReadAllBytes(artifacts.Artifact("W4A4"));
        bytes[bytes.Length / 2] ^= 0x10;
        Assert.Contains("SHA-256", Refused(Write("flipped.qllm", bytes), ErrorCodes.BadArtifact).Problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_flipped_byte_after_a_remembered_verification_is_still_caught()
    {
        var options = new RuntimeOptions { Threads = 1, VerificationMemo = new ArtifactVerificationMemo(Path.Combine(_folder, "memo")) };
        var path = Write("remembered.qllm", File.ReadAllBytes(artifacts.Artifact("W4A4")));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
        for (int load = 0; load < 2; load++)
        {
            using var model = QuantizedLanguageModel.Load(path, options);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), model.Digest);
        }

        Assert.Single(Directory.GetFiles(options.VerificationMemo.Folder));
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-30));
        var error = Assert.Throws<QllmException>(() => QuantizedLanguageModel.Load(path, options));
        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
        Assert.Contains("SHA-256", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_artifact_of_a_newer_format_version()
    {
        var bytes = File.ReadAllBytes(artifacts.Artifact("W4A4"));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);
        Assert.Contains("upgrade", Refused(Write("v2.qllm", bytes), ErrorCodes.BadArtifact).Fix, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_file_that_is_not_an_artifact() => Refused(Write("model.bin", File.ReadAllBytes(TestData.TokenizerPath)), ErrorCodes.BadArtifact);

    [Fact]
    public void A_config_that_disagrees_with_the_tensors() =>
        Assert.Contains("[32000, 288]", Refused(Rewrite("wide.qllm", m => m["config"]!["dim"] = 300), ErrorCodes.BadArtifact).Problem, StringComparison.Ordinal);

    [Fact]
    public void A_config_that_is_no_model() => Refused(Rewrite("heads.qllm", m => m["config"]!["heads"] = 7), ErrorCodes.BadArtifact);

    [Fact]
    public void Missing_quantization_metadata() => Refused(Rewrite("bare.qllm", m => m.Remove("quantization")), ErrorCodes.BadArtifact);

    [Fact]
    public void Group_wise_weight_ranges_are_not_run_by_this_runtime() =>
        Refused(Rewrite("groups.qllm", m => m["quantization"]!["weightGroupSize"] = 32), ErrorCodes.UnsupportedArtifact);

    [Fact]
    public void A_NaN_scale()
    {
        var path = Rewrite("nan.qllm", _ => { }, (name, bytes) =>
        {
            if (name == "layers.2.mlp.down_proj.scales")
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8), float.NaN);
            }
        });
        Assert.Contains("layers.2.mlp.down_proj.scales", Refused(path, ErrorCodes.BadArtifact).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_point_that_is_not_an_integer()
    {
        var path = Rewrite("half-zero.qllm", _ => { }, (name, bytes) =>
        {
            if (name == "embedding.zeros")
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(12), 127.5f);
            }
        });
        Assert.Contains("embedding.zeros", Refused(path, ErrorCodes.BadArtifact).Problem, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static QllmException Refused(string path, string code)
    {
        var error = Assert.Throws<QllmException>(() => QuantizedLanguageModel.Load(path));
        Assert.Equal(code, error.Code);
        Assert.Equal(path, error.File);
        Assert.False(string.IsNullOrWhiteSpace(error.Fix));
        return error;
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // A valid container (the digest is recomputed) whose content says something else.
    private string Rewrite(string name, Action<JsonObject> editMetadata, Action<string, byte[]>? editTensor = null)
    {
        using var reader = ArtifactReader.Open(artifacts.Artifact("W4A4"));
        var writer = new ArtifactWriter { Metadata = (JsonObject)reader.Metadata.DeepClone() };
        editMetadata(writer.Metadata);
        foreach (var tensor in reader.TensorsInOrder)
        {
            var bytes = reader.GetBytes(tensor).ToArray();
            editTensor?.Invoke(tensor.Name, bytes);
            writer.Add(tensor.Name, tensor.DType, tensor.Shape.ToArray(), bytes, tensor.Attributes);
        }

        var path = Path.Combine(_folder, name);
        writer.Write(path);
        return path;
    }
}

using System.Buffers.Binary;
using Qllm.Artifacts.Container;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tests.Container;

public sealed class ArtifactHostileFileTests : IDisposable
{
    private const string TwoFloats = """{"name":"x","dtype":"F32","shape":[2],"offset":0,"length":8}""";

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Well_formed_raw_file_is_accepted()
    {
        // The control for the raw cases below: the same construction, left intact, reads.
        var path = Save(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2)));
        using var reader = ArtifactReader.Open(path);
        Assert.Equal([1f, 2f], reader.ReadFloat32("x"));
    }

    [Fact]
    public void A_file_cut_short_after_it_was_opened_is_a_bad_artifact_naming_it()
    {
        var path = Save(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2)));
        using var reader = ArtifactReader.Open(path);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            // Nothing of the mapping is touched past the new end (that would be SIGBUS): F32 tensors are read from the file.
            file.SetLength(0);
        }

        var error = Assert.Throws<QllmException>(() => reader.ReadFloat32("x"));
        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
        Assert.Equal(path, error.File);
        Assert.Contains("became shorter while it was read", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_magic_is_rejected() =>
        AssertRejected(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2), magic: "GGUF\0\0\0\0"), "not a qllm artifact");

    [Fact]
    public void Newer_version_asks_for_an_upgrade()
    {
        var error = AssertRejected(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2), version: 2), "format version 2");
        Assert.Contains("newer qllm", error.Fix, StringComparison.Ordinal);
        Assert.Contains("upgrade", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_zero_is_rejected() =>
        AssertRejected(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2), version: 0), "version 0");

    [Fact]
    public void Unknown_flags_ask_for_an_upgrade()
    {
        var error = AssertRejected(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2), flags: 2), "flags 0x00000002");
        Assert.Contains("upgrade", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_manifest_length_is_rejected_before_allocating()
    {
        AssertRejected(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2), manifestLength: 1UL << 60), "claims");
        AssertRejected(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2), manifestLength: ulong.MaxValue), "claims");
    }

    [Fact]
    public void Manifest_length_past_the_end_of_the_file_is_rejected() =>
        AssertRejected(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2), manifestLength: 10_000), "truncated");

    [Fact]
    public void A_file_shorter_than_any_artifact_is_rejected()
    {
        AssertRejected([], "shorter than the smallest");
        AssertRejected("QLLMART\0"u8.ToArray(), "shorter than the smallest");
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        var bytes = WrittenSample();
        for (var length = 0; length < bytes.Length; length++)
        {
            var path = Save(bytes[..length]);
            var error = Assert.Throws<QllmException>(() => ArtifactReader.Open(path).Dispose());
            Assert.Equal(ErrorCodes.BadArtifact, error.Code);
            Assert.Equal(path, error.File);
        }
    }

    [Fact]
    public void A_flipped_bit_anywhere_is_rejected()
    {
        var bytes = WrittenSample();
        var path = _folder.File("flipped.qllm");
        for (var index = 0; index < bytes.Length; index++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[index] ^= (byte)(1 << (index % 8));
            File.WriteAllBytes(path, damaged);

            var error = Assert.Throws<QllmException>(() => ArtifactReader.Open(path).Dispose());
            Assert.Equal(ErrorCodes.BadArtifact, error.Code);
            Assert.Equal(path, error.File);
        }
    }

    [Theory]
    [InlineData("manifest")]
    [InlineData("data")]
    [InlineData("trailer")]
    public void A_flipped_byte_is_reported_as_a_checksum_mismatch(string where)
    {
        var bytes = WrittenSample();
        var manifestLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16));
        var index = where switch
        {
            "manifest" => 24 + (manifestLength / 2),
            "data" => bytes.Length - 32 - 3,
            _ => bytes.Length - 1,
        };
        bytes[index] ^= 0xFF;

        AssertRejected(bytes, "SHA-256");
    }

    [Fact]
    public void Tensor_past_the_data_section_is_rejected()
    {
        AssertRejected(
            Raw("""{"name":"x","dtype":"F32","shape":[2],"offset":4000000000,"length":8}""", LittleEndian.Floats(1, 2)),
            "runs past the end");
        AssertRejected(
            Raw("""{"name":"x","dtype":"F32","shape":[2],"offset":64,"length":8}""", LittleEndian.Floats(1, 2)),
            "runs past the end");
    }

    [Fact]
    public void Offset_plus_length_that_overflows_is_rejected() =>
        AssertRejected(
            Raw("""{"name":"x","dtype":"U8","shape":[1000000000000000000],"offset":9223372036854775744,"length":1000000000000000000}""", LittleEndian.Floats(1, 2)),
            "runs past the end");

    [Fact]
    public void Overlapping_tensors_are_rejected() =>
        AssertRejected(
            Raw(
                [
                    """{"name":"a","dtype":"F32","shape":[32],"offset":0,"length":128}""",
                    """{"name":"b","dtype":"F32","shape":[16],"offset":64,"length":64}""",
                ],
                new byte[128]),
            "overlap");

    [Fact]
    public void Length_that_does_not_match_the_dtype_and_shape_is_rejected()
    {
        AssertRejected(Raw("""{"name":"x","dtype":"F32","shape":[3],"offset":0,"length":8}""", LittleEndian.Floats(1, 2)), "takes 12");
        AssertRejected(Raw("""{"name":"x","dtype":"U4","shape":[2,3],"offset":0,"length":3}""", new byte[3]), "takes 4");
    }

    [Fact]
    public void Unknown_dtype_is_rejected() =>
        AssertRejected(Raw("""{"name":"x","dtype":"Q4_0","shape":[2],"offset":0,"length":8}""", LittleEndian.Floats(1, 2)), "does not know");

    [Fact]
    public void Misaligned_tensor_is_rejected() =>
        AssertRejected(
            Raw(
                [
                    """{"name":"a","dtype":"U8","shape":[4],"offset":0,"length":4}""",
                    """{"name":"b","dtype":"U8","shape":[4],"offset":4,"length":4}""",
                ],
                new byte[8]),
            "not a multiple of 64");

    [Fact]
    public void Shape_too_large_to_exist_is_rejected() =>
        AssertRejected(Raw("""{"name":"x","dtype":"F32","shape":[1099511627776,1099511627776],"offset":0,"length":8}""", LittleEndian.Floats(1, 2)), "too large");

    [Fact]
    public void Negative_dimension_is_rejected() =>
        AssertRejected(Raw("""{"name":"x","dtype":"F32","shape":[-2],"offset":0,"length":8}""", LittleEndian.Floats(1, 2)), "not a non-negative integer");

    [Fact]
    public void Duplicate_tensor_names_are_rejected() =>
        AssertRejected(
            Raw([TwoFloats, """{"name":"x","dtype":"F32","shape":[0],"offset":0,"length":0}"""], LittleEndian.Floats(1, 2)),
            "twice");

    [Fact]
    public void Duplicate_json_properties_are_rejected() =>
        AssertRejected(Raw("""{"name":"x","name":"y","dtype":"F32","shape":[2],"offset":0,"length":8}""", LittleEndian.Floats(1, 2)), "not valid JSON");

    [Fact]
    public void Manifest_that_is_not_json_is_rejected() =>
        AssertRejected(RawArtifact.Build("{\"format\": [", LittleEndian.Floats(1, 2)), "not valid JSON");

    [Fact]
    public void Manifest_that_is_not_an_object_is_rejected() =>
        AssertRejected(RawArtifact.Build("[1,2,3]", []), "not an object");

    [Fact]
    public void Manifest_without_the_format_name_is_rejected() =>
        AssertRejected(RawArtifact.Build("""{"format":"safetensors","version":1,"metadata":{},"tensors":[]}""", []), "\"format\"");

    [Fact]
    public void Manifest_version_that_disagrees_with_the_header_is_rejected() =>
        AssertRejected(RawArtifact.Build("""{"format":"qllm-artifact","version":7,"metadata":{},"tensors":[]}""", []), "\"version\"");

    [Fact]
    public void Manifest_without_metadata_is_rejected() =>
        AssertRejected(RawArtifact.Build("""{"format":"qllm-artifact","version":1,"tensors":[]}""", []), "\"metadata\"");

    [Fact]
    public void Unknown_manifest_properties_are_rejected()
    {
        AssertRejected(RawArtifact.Build("""{"format":"qllm-artifact","version":1,"metadata":{},"tensors":[],"compression":"zstd"}""", []), "compression");
        AssertRejected(Raw("""{"name":"x","dtype":"F32","shape":[2],"offset":0,"length":8,"codec":"zstd"}""", LittleEndian.Floats(1, 2)), "codec");
    }

    [Fact]
    public void Attribute_that_is_not_a_string_or_number_is_rejected() =>
        AssertRejected(Raw("""{"name":"x","dtype":"F32","shape":[2],"offset":0,"length":8,"attributes":{"bits":[4]}}""", LittleEndian.Floats(1, 2)), "attribute 'bits'");

    [Fact]
    public void Nonzero_padding_after_the_manifest_is_rejected() =>
        AssertRejected(RawArtifact.Build(RawArtifact.Manifest(TwoFloats), LittleEndian.Floats(1, 2), paddingByte: 0x20), "padding");

    [Fact]
    public void Nonzero_padding_between_tensors_is_rejected()
    {
        var data = new byte[72];
        data[10] = 1;
        AssertRejected(
            Raw(
                [
                    """{"name":"a","dtype":"U8","shape":[4],"offset":0,"length":4}""",
                    """{"name":"b","dtype":"U8","shape":[8],"offset":64,"length":8}""",
                ],
                data),
            "padding");
    }

    [Fact]
    public void Bytes_after_the_last_tensor_are_rejected() =>
        AssertRejected(Raw(TwoFloats, LittleEndian.Floats(1, 2, 3)), "tensors end at byte 8");

    [Fact]
    public void Hostile_streams_are_rejected_like_hostile_files()
    {
        var bytes = WrittenSample();
        using var truncated = new MemoryStream(bytes[..^1]);
        var error = Assert.Throws<QllmException>(() => ArtifactReader.Open(truncated, "resource:model.qllm"));
        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
        Assert.Equal("resource:model.qllm", error.File);
    }

    [Fact]
    public void Missing_file_is_reported_as_not_found()
    {
        var path = _folder.File("absent.qllm");
        var error = Assert.Throws<QllmException>(() => ArtifactReader.Open(path));
        Assert.Equal(ErrorCodes.InputNotFound, error.Code);
        Assert.Equal(path, error.File);
    }

    private static byte[] Raw(string tensor, byte[] data) => Raw([tensor], data);

    private static byte[] Raw(string[] tensors, byte[] data) => RawArtifact.Build(RawArtifact.Manifest(tensors), data);

    private static byte[] WrittenSample()
    {
        var writer = new ArtifactWriter();
        writer.Metadata["method"] = "qllm";
        writer.AddFloat32("x", [3], [1, 2, 3]);
        writer.AddPackedCodes("w", 4, 2, 3, [1, 2, 3, 4, 5, 6], new Dictionary<string, ArtifactAttributeValue> { ["bits"] = 4 });
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        return stream.ToArray();
    }

    private string Save(byte[] bytes)
    {
        var path = _folder.File("hostile.qllm");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private QllmException AssertRejected(byte[] bytes, string expectedProblem)
    {
        var path = Save(bytes);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<QllmException>(() => ArtifactReader.Open(path).Dispose());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
        Assert.Equal(path, error.File);
        Assert.Contains(expectedProblem, error.Problem, StringComparison.Ordinal);
        Assert.True(allocated < 1024 * 1024, $"rejecting the file allocated {allocated} bytes");

        // The same bytes from a stream meet the same checks.
        using var stream = new MemoryStream(bytes);
        var streamError = Assert.Throws<QllmException>(() => ArtifactReader.Open(stream, "stream").Dispose());
        Assert.Equal(ErrorCodes.BadArtifact, streamError.Code);
        Assert.Equal(error.Problem, streamError.Problem);
        return error;
    }
}

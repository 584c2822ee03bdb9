using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Qllm.Artifacts.Container;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tests.Container;

public sealed class ArtifactRoundTripTests : IDisposable
{
    private static readonly float[] Weights = MakeFloats(5 * 7, seed: 1);
    private static readonly Half[] Halves = [(Half)1.5f, (Half)(-0.25f), Half.MaxValue, Half.Epsilon, Half.NegativeInfinity];
    // Exactly representable in bfloat16 (the largest finite one and a subnormal included), so the stored bytes are the upper halves.
    private static readonly float[] BFloats = [1.5f, -2f, 0.15625f, BitConverter.UInt32BitsToSingle(0x7F7F_0000), BitConverter.UInt32BitsToSingle(0x8001_0000), float.PositiveInfinity];
    private static readonly int[] Indices = [0, -1, int.MaxValue, int.MinValue, 42, 7];
    private static readonly byte[] Tokenizer = Encoding.UTF8.GetBytes("▁Once upon a time · 日本");

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Every_tensor_and_the_metadata_read_back_bit_for_bit()
    {
        var path = _folder.File("model.qllm");
        var (writer, expectedBytes, codes) = BuildSample();
        var digest = writer.Write(path);

        using var reader = ArtifactReader.Open(path);

        Assert.Equal(1, reader.FormatVersion);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), reader.Digest);
        Assert.Equal(digest, reader.Digest);
        Assert.True(JsonNode.DeepEquals(SampleMetadata(), reader.Metadata), reader.Metadata.ToJsonString());
        Assert.Equal(expectedBytes.Keys, reader.TensorsInOrder.Select(t => t.Name));
        foreach (var (name, bytes) in expectedBytes)
        {
            Assert.Equal(bytes, reader.GetBytes(name).ToArray());
        }

        Assert.Equal(Weights, reader.ReadFloat32("weights.f32"));
        Assert.Equal(Weights, reader.GetFloat32Span("weights.f32").ToArray());
        Assert.Equal(Weights.Select(v => (float)(Half)v), reader.ReadFloat32("weights.f16"));
        Assert.Equal(Halves.Select(h => (float)h), reader.ReadFloat32("halves"));
        Assert.Equal(BFloats, reader.ReadFloat32("bfloats"));
        Assert.Equal(Indices, reader.ReadInt32("index"));
        Assert.Equal(Tokenizer, reader.UnpackCodes("tokenizer"));
        Assert.Equal(codes[-1], reader.UnpackCodes("codes.cube"));
        Assert.Equal(4, reader.Tensors["codes.cube"].Rows);
        Assert.Empty(reader.UnpackCodes("codes.empty"));
        foreach (var (bits, values) in codes.Where(c => c.Key > 0))
        {
            Assert.Equal(values, reader.UnpackCodes($"codes.u{bits}"));
            var info = reader.Tensors[$"codes.u{bits}"];
            Assert.Equal(ArtifactDTypes.PackedCodes(bits), info.DType);
            Assert.Equal([3L, 13L], info.Shape);
            Assert.Equal(bits, info.Attributes["bits"].AsInt64());
            Assert.Equal("asymmetric", info.Attributes["scheme"].AsString());
            Assert.Equal(0.125, info.Attributes["clip"].AsDouble());
        }

        Assert.Equal(2.5f, reader.ReadFloat32("scalar").Single());
        Assert.Empty(reader.ReadFloat32("empty"));
        Assert.Equal([0L, 5L], reader.Tensors["empty"].Shape);
    }

    [Fact]
    public void Tensors_are_aligned_for_in_place_use()
    {
        var path = _folder.File("model.qllm");
        BuildSample().Writer.Write(path);
        var file = File.ReadAllBytes(path);
        var dataStart = (24 + (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(16)) + 63) / 64 * 64;

        using var reader = ArtifactReader.Open(path);
        foreach (var tensor in reader.TensorsInOrder)
        {
            Assert.Equal(0, tensor.Offset % 64);
            Assert.Equal(0, (dataStart + tensor.Offset) % 64);
            Assert.Equal(file.AsSpan((int)(dataStart + tensor.Offset), (int)tensor.Length).ToArray(), reader.GetBytes(tensor.Name).ToArray());
        }
    }

    [Fact]
    public void The_header_is_laid_out_as_documented()
    {
        var path = _folder.File("model.qllm");
        BuildSample().Writer.Write(path);
        var file = File.ReadAllBytes(path);

        Assert.Equal("QLLMART\0"u8.ToArray(), file[..8]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12)));
        var manifestLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(16));
        var manifest = Encoding.UTF8.GetString(file, 24, manifestLength);
        Assert.StartsWith("""{"format":"qllm-artifact","version":1,"metadata":{"config":""", manifest, StringComparison.Ordinal);
        Assert.Equal(SHA256.HashData(file.AsSpan(0, file.Length - 32)), file[^32..]);
    }

    [Fact]
    public void The_documented_example_is_what_the_writer_writes()
    {
        // docs/artifact-format.md, "Example": the same manifest, offsets, sizes and bytes.
        var writer = new ArtifactWriter
        {
            Metadata = new JsonObject { ["method"] = "qllm", ["config"] = new JsonObject { ["dim"] = 288 } },
        };
        writer.AddFloat32("norm", [3], [1f, 0.5f, -2f]);
        writer.AddPackedCodes("w", 4, 2, 3, [1, 2, 3, 4, 5, 6], new Dictionary<string, ArtifactAttributeValue> { ["bits"] = 4 });
        using var stream = new MemoryStream();
        var digest = writer.WriteTo(stream);
        var file = stream.ToArray();

        const string Manifest = """{"format":"qllm-artifact","version":1,"metadata":{"method":"qllm","config":{"dim":288}},"tensors":[{"name":"norm","dtype":"F32","shape":[3],"offset":0,"length":12},{"name":"w","dtype":"U4","shape":[2,3],"offset":64,"length":4,"attributes":{"bits":4}}]}""";
        Assert.Equal(420, file.Length);
        Assert.Equal(Convert.FromHexString("514c4c4d41525400" + "01000000" + "00000000" + "fc00000000000000"), file[..24]);
        Assert.Equal(Manifest, Encoding.UTF8.GetString(file, 24, 252));
        Assert.All(file[276..320], b => Assert.Equal(0, b));
        Assert.Equal(Convert.FromHexString("0000803f0000003f000000c0"), file[320..332]);
        Assert.Equal(Convert.FromHexString("21035406"), file[384..388]);
        Assert.Equal("8362cbeabd56d544221707510f86659c54d2a6a29d905935b3698a83e730b84c", digest);
    }

    [Fact]
    public void Codes_added_already_packed_write_the_bytes_of_codes_packed_by_the_writer()
    {
        byte[] codes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        var packing = new ArtifactWriter();
        packing.AddPackedCodes("w", 4, 3, 5, codes);
        var prepacked = new ArtifactWriter();
        prepacked.AddPrepackedCodes("w", 4, [3, 5], BitPacking.Pack(codes, 4, 3, 5));
        using var one = new MemoryStream();
        using var two = new MemoryStream();

        Assert.Equal(packing.WriteTo(one), prepacked.WriteTo(two));
        Assert.Equal(one.ToArray(), two.ToArray());
    }

    [Fact]
    public void Writing_the_same_content_twice_gives_identical_files()
    {
        var first = _folder.File("first.qllm");
        var second = _folder.File("second.qllm");

        BuildSample().Writer.Write(first);
        BuildSample().Writer.Write(second);

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Attribute_order_does_not_change_the_bytes()
    {
        var first = new ArtifactWriter();
        first.AddInt32("x", [1], [1], new Dictionary<string, ArtifactAttributeValue> { ["b"] = 1, ["a"] = "z" });
        var second = new ArtifactWriter();
        second.AddInt32("x", [1], [1], new SortedDictionary<string, ArtifactAttributeValue>(StringComparer.Ordinal) { ["a"] = "z", ["b"] = 1 });

        using var one = new MemoryStream();
        using var two = new MemoryStream();
        Assert.Equal(first.WriteTo(one), second.WriteTo(two));
        Assert.Equal(one.ToArray(), two.ToArray());
    }

    [Fact]
    public void A_stream_reads_like_the_file()
    {
        var path = _folder.File("model.qllm");
        var (writer, expectedBytes, _) = BuildSample();
        writer.Write(path);

        using var fromFile = ArtifactReader.Open(path);
        using var seekable = File.OpenRead(path);
        using var fromStream = ArtifactReader.Open(seekable, "resource:model.qllm");
        using var unseekable = new NonSeekableStream(File.ReadAllBytes(path));
        using var fromUnseekable = ArtifactReader.Open(unseekable, "pipe");

        foreach (var reader in new[] { fromStream, fromUnseekable })
        {
            Assert.Equal(fromFile.Digest, reader.Digest);
            Assert.True(JsonNode.DeepEquals(fromFile.Metadata, reader.Metadata));
            foreach (var name in expectedBytes.Keys)
            {
                Assert.Equal(fromFile.GetBytes(name).ToArray(), reader.GetBytes(name).ToArray());
            }
        }

        Assert.Equal("resource:model.qllm", fromStream.Source);
    }

    [Fact]
    public void A_tensor_read_into_a_buffer_equals_its_bytes_in_place()
    {
        var path = _folder.File("model.qllm");
        var (writer, expectedBytes, _) = BuildSample();
        writer.Write(path);

        using var fromFile = ArtifactReader.Open(path);
        using var stream = File.OpenRead(path);
        using var fromStream = ArtifactReader.Open(stream, "resource:model.qllm");
        foreach (var reader in new[] { fromFile, fromStream })
        {
            foreach (var (name, bytes) in expectedBytes.Where(e => e.Value.Length > 2))
            {
                var tensor = reader.GetTensor(name);
                var whole = new byte[bytes.Length];
                reader.ReadBytes(tensor, 0, whole);
                Assert.Equal(bytes, whole);

                var tail = new byte[bytes.Length - 2];
                reader.ReadBytes(tensor, 2, tail);
                Assert.Equal(bytes[2..], tail);

                Assert.Throws<ArgumentOutOfRangeException>(() => reader.ReadBytes(tensor, 1, new byte[bytes.Length]));
            }
        }
    }

    [Fact]
    public void An_artifact_without_tensors_round_trips()
    {
        var path = _folder.File("empty.qllm");
        new ArtifactWriter().Write(path);

        Assert.Equal(160, new FileInfo(path).Length);
        using var reader = ArtifactReader.Open(path);
        Assert.Empty(reader.Tensors);
        Assert.Empty(reader.Metadata);
    }

    [Fact]
    public void Bfloat16_rounds_to_nearest_even()
    {
        // 1 + 2^-8 is halfway between bfloat16 1 and 1 + 2^-7: ties go to the even mantissa (1).
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties go to 1 + 2^-6.
        var writer = new ArtifactWriter();
        writer.AddBFloat16("x", [3], [1f + (1f / 256), 1f + (3f / 256), 1f + (1.5f / 256)]);
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        stream.Position = 0;

        using var reader = ArtifactReader.Open(stream, "memory");
        Assert.Equal([1f, 1f + (1f / 64), 1f + (1f / 128)], reader.ReadFloat32("x"));
        Assert.True(float.IsNaN(BFloat16Probe(float.NaN)));
    }

    [Fact]
    public void Asking_for_the_wrong_type_or_a_missing_tensor_names_the_artifact()
    {
        var path = _folder.File("model.qllm");
        BuildSample().Writer.Write(path);
        using var reader = ArtifactReader.Open(path);

        foreach (var action in new Action[]
        {
            () => reader.ReadInt32("weights.f32"),
            () => reader.GetFloat32Span("weights.f16"),
            () => reader.UnpackCodes("weights.f32"),
            () => reader.ReadFloat32("index"),
            () => reader.GetBytes("absent"),
        })
        {
            var error = Assert.Throws<Qllm.Core.Errors.QllmException>(action);
            Assert.Equal(ErrorCodes.BadArtifact, error.Code);
            Assert.Equal(path, error.File);
        }
    }

    [Fact]
    public void A_disposed_reader_refuses_reads()
    {
        var path = _folder.File("model.qllm");
        BuildSample().Writer.Write(path);
        var reader = ArtifactReader.Open(path);
        reader.Dispose();
        reader.Dispose();

        Assert.Throws<ObjectDisposedException>(() => reader.GetBytes("index").Length);
    }

    [Fact]
    public void Writer_misuse_is_refused_at_once()
    {
        var writer = new ArtifactWriter();
        writer.AddInt32("x", [2], [1, 2]);

        Assert.Throws<ArgumentException>(() => writer.AddInt32("x", [2], [1, 2]));
        Assert.Throws<ArgumentException>(() => writer.AddInt32("", [2], [1, 2]));
        Assert.Throws<ArgumentException>(() => writer.AddInt32("y", [3], [1, 2]));
        Assert.Throws<ArgumentException>(() => writer.AddFloat32("z", [-1, -2], [1, 2]));
        Assert.Throws<ArgumentException>(() => writer.Add("w", ArtifactDType.F32, [2], new byte[7]));
        Assert.Throws<ArgumentException>(() => writer.AddPackedCodes("c", 2, 1, 2, [1, 4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddPackedCodes("c", 9, 1, 2, [1, 4]));
        Assert.Throws<ArgumentException>(() => writer.AddPrepackedCodes("p", 4, [2, 3], new byte[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ArtifactAttributeValue.FromDouble(double.NaN));
        Assert.Single(writer.Tensors);
    }

    [Fact]
    public void Attribute_values_keep_their_kind_and_value()
    {
        ArtifactAttributeValue four = 4;
        ArtifactAttributeValue fourPointZero = 4.0;
        ArtifactAttributeValue half = 0.5;
        ArtifactAttributeValue text = "4";

        Assert.Equal(four, fourPointZero);
        Assert.True(four.IsInteger);
        Assert.False(half.IsInteger);
        Assert.NotEqual(four, text);
        Assert.Throws<InvalidOperationException>(() => half.AsInt64());
        Assert.Throws<InvalidOperationException>(() => text.AsDouble());
        Assert.Equal("0.5", half.ToString());
    }

    internal static (ArtifactWriter Writer, Dictionary<string, byte[]> Bytes, Dictionary<int, byte[]> Codes) BuildSample()
    {
        var writer = new ArtifactWriter { Metadata = SampleMetadata() };
        var bytes = new Dictionary<string, byte[]>();
        var codes = new Dictionary<int, byte[]>();

        writer.AddFloat32("weights.f32", [5, 7], Weights);
        bytes["weights.f32"] = MemoryMarshal.AsBytes(Weights.AsSpan()).ToArray();

        writer.AddFloat16("weights.f16", [5, 7], Weights);
        bytes["weights.f16"] = MemoryMarshal.AsBytes(Weights.Select(v => (Half)v).ToArray().AsSpan()).ToArray();

        writer.AddFloat16("halves", [5], Halves);
        bytes["halves"] = MemoryMarshal.AsBytes(Halves.AsSpan()).ToArray();

        writer.AddBFloat16("bfloats", [2, 3], BFloats);
        bytes["bfloats"] = BFloats.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(v) >> 16))).ToArray();

        writer.AddInt32("index", [6], Indices);
        bytes["index"] = MemoryMarshal.AsBytes(Indices.AsSpan()).ToArray();

        writer.AddUInt8("tokenizer", [Tokenizer.Length], Tokenizer);
        bytes["tokenizer"] = Tokenizer;

        var random = new Random(3);
        for (var bits = 2; bits <= 8; bits++)
        {
            var values = BitPackingTests.RandomCodes(random, bits, 3 * 13);
            var attributes = new Dictionary<string, ArtifactAttributeValue> { ["bits"] = bits, ["scheme"] = "asymmetric", ["clip"] = 0.125 };
            writer.AddPackedCodes($"codes.u{bits}", bits, 3, 13, values, attributes);
            bytes[$"codes.u{bits}"] = BitPacking.Pack(values, bits, 3, 13);
            codes[bits] = values;
        }

        writer.AddFloat32("scalar", [], [2.5f]);
        bytes["scalar"] = BitConverter.GetBytes(2.5f);

        writer.AddFloat32("empty", [0, 5], []);
        bytes["empty"] = [];

        var cube = BitPackingTests.RandomCodes(random, 3, 2 * 2 * 5);
        writer.AddPackedCodes("codes.cube", 3, [2, 2, 5], cube);
        bytes["codes.cube"] = BitPacking.Pack(cube, 3, 4, 5);
        codes[-1] = cube;

        writer.AddPackedCodes("codes.empty", 4, [4, 0], []);
        bytes["codes.empty"] = [];

        writer.Add("raw", ArtifactDType.I32, [1], [1, 2, 3, 4]);
        bytes["raw"] = [1, 2, 3, 4];
        return (writer, bytes, codes);
    }

    private static JsonObject SampleMetadata() => new()
    {
        ["config"] = new JsonObject { ["dim"] = 288, ["n_layers"] = 6, ["norm_eps"] = 1e-5, ["rope_theta"] = 10000.0 },
        ["method"] = "qllm",
        ["options"] = new JsonObject { ["bits"] = 4, ["activationBits"] = 4, ["seed"] = 0, ["lr"] = 5e-4, ["weightOnly"] = false, ["note"] = null },
        ["inputs"] = new JsonArray("sha256:" + new string('a', 64), "Ünïcödé ▁ \"quoted\" <tag> \u0001"),
    };

    private static float[] MakeFloats(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        values[0] = float.NegativeZero;
        values[1] = float.Epsilon;
        return values;
    }

    private static float BFloat16Probe(float value)
    {
        var writer = new ArtifactWriter();
        writer.AddBFloat16("x", [1], [value]);
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        stream.Position = 0;
        using var reader = ArtifactReader.Open(stream, "memory");
        return reader.ReadFloat32("x")[0];
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

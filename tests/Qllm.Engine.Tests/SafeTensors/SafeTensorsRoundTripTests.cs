using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Qllm.Engine.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.SafeTensors;

public sealed class SafeTensorsRoundTripTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> FloatTypes => new() { "F32", "F16", "BF16" };

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void Tensors_read_back_equal_after_the_dtypes_rounding(string dtypeName)
    {
        Assert.True(SafeTensorsDTypes.TryParse(dtypeName, out var dtype));
        var generator = new Generator(seed: 7);
        var tensors = new Dictionary<string, Tensor>
        {
            ["model.layers.0.self_attn.q_proj.weight"] = randn([6, 5], generator: generator),
            ["b.weight"] = randn([7], generator: generator) * 1000,
            ["scalar"] = tensor(3.25f),
            ["empty"] = zeros(0, 4),
        };
        var path = _folder.File("t.safetensors");

        SafeTensorsWriter.Write(path, tensors, dtype, new Dictionary<string, string> { ["format"] = "pt" });

        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), reader.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, original) in tensors)
        {
            Assert.Equal(dtypeName, reader.Tensors[name].DType);
            Assert.Equal(original.shape, reader.Tensors[name].Shape);
            using var stored = reader.Read(name);
            Assert.Equal(dtype, stored.dtype);
            using var expected = original.to_type(dtype).to_type(ScalarType.Float32);
            using var actual = reader.Read(name, ScalarType.Float32);
            TensorAssert.Equal(expected, actual, $"{name} after a {dtypeName} round trip");
        }

        foreach (var original in tensors.Values)
        {
            original.Dispose();
        }
    }

    [Fact]
    public void Header_is_padded_with_spaces_to_eight_bytes_and_sorted()
    {
        using var b = ones(3);
        using var a = ones(1);
        var path = _folder.File("t.safetensors");
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["b"] = b, ["a"] = a });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = System.Text.Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.Equal(0, headerLength % 8);
        Assert.Matches("^\\{.*\\} *$", header);
        Assert.StartsWith("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}""", header, StringComparison.Ordinal);
        Assert.Equal(8 + headerLength + 16, bytes.Length);
    }

    [Theory]
    [InlineData("F32", new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 })]
    [InlineData("F16", new byte[] { 0x00, 0x3C, 0x00, 0xC0 })]
    [InlineData("BF16", new byte[] { 0x80, 0x3F, 0x00, 0xC0 })]
    public void Data_is_little_endian_in_the_named_encoding(string dtypeName, byte[] expected)
    {
        // 1.0 and -2.0, encoded by hand from the IEEE and bfloat16 layouts.
        Assert.True(SafeTensorsDTypes.TryParse(dtypeName, out var dtype));
        using var values = tensor(new[] { 1f, -2f });
        var path = _folder.File("t.safetensors");
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = values }, dtype);

        Assert.Equal(expected, File.ReadAllBytes(path)[^expected.Length..]);
    }

    [Fact]
    public void Integer_tensors_keep_their_type_when_floats_are_narrowed()
    {
        using var ids = arange(0, 5, dtype: ScalarType.Int64);
        using var weights = ones(2);
        var path = _folder.File("t.safetensors");
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["ids"] = ids, ["w"] = weights }, ScalarType.BFloat16);

        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal("I64", reader.Tensors["ids"].DType);
        Assert.Equal("BF16", reader.Tensors["w"].DType);
        using var read = reader.Read("ids");
        Assert.Equal([0L, 1, 2, 3, 4], read.data<long>().ToArray());
    }

    [Fact]
    public void File_from_another_writer_reads_in_its_own_offset_order()
    {
        // Data laid out in the opposite order to the header's entries, with no padding: both are legal.
        var header = """{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        var path = _folder.File("t.safetensors");
        File.WriteAllBytes(path, RawSafeTensors.Build(header, LittleEndian.Floats(1, 2, 3)));

        using var reader = SafeTensorsReader.Open(path);
        var all = reader.ReadAll();
        Assert.Equal([1f, 2f], all["a"].data<float>().ToArray());
        Assert.Equal([3f], all["b"].data<float>().ToArray());
        Assert.Empty(reader.Metadata);
        foreach (var t in all.Values)
        {
            t.Dispose();
        }
    }

    [Fact]
    public void Rewriting_replaces_the_file_and_leaves_no_temporary_files()
    {
        using var first = ones(4);
        using var second = zeros(2);
        var path = _folder.File("t.safetensors");
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = first });
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["y"] = second });

        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal(["y"], reader.Tensors.Keys);
        Assert.Equal(["t.safetensors"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Chunked_transfer_matches_the_whole_tensor()
    {
        // Chunks far smaller than the tensor, and not a multiple of its size, exercise the path that
        // large tensors take.
        using var source = randn([11, 3], generator: new Generator(seed: 3));
        using var buffer = new MemoryStream();
        buffer.Write([9, 9, 9]);
        SafeTensorsIo.WriteFrom(buffer, source, chunkBytes: 20);
        Assert.Equal(source.bytes.ToArray(), buffer.ToArray()[3..]);

        var path = _folder.File("raw.bin");
        File.WriteAllBytes(path, buffer.ToArray());
        using var target = empty([11, 3]);
        using (SafeFileHandle handle = File.OpenHandle(path))
        {
            SafeTensorsIo.ReadInto(handle, 3, target, path, chunkBytes: 20);
        }

        TensorAssert.Equal(source, target, "chunked");
    }
}

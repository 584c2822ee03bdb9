using Qllm.Core.Errors;
using Qllm.Engine.SafeTensors;

namespace Qllm.Engine.Tests.SafeTensors;

public sealed class SafeTensorsHostileFileTests : IDisposable
{
    private const string OneTensor = """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Well_formed_file_is_accepted()
    {
        // The control for every case below: the same construction, left intact, reads.
        var path = Save(RawSafeTensors.Build(OneTensor, LittleEndian.Floats(1, 2)));
        using var reader = SafeTensorsReader.Open(path);
        using var x = reader.Read("x");
        Assert.Equal([1f, 2f], x.data<float>().ToArray());
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_rejected() =>
        AssertRejected([1, 2, 3], "too short");

    [Fact]
    public void Header_length_past_the_end_of_the_file_is_rejected() =>
        AssertRejected(RawSafeTensors.Build(OneTensor, LittleEndian.Floats(1, 2), headerLength: 10_000), "only");

    [Fact]
    public void Absurd_header_length_is_rejected_before_allocating() =>
        AssertRejected(RawSafeTensors.Build(OneTensor, LittleEndian.Floats(1, 2), headerLength: 1UL << 60), "claims");

    [Fact]
    public void Header_length_with_the_top_bit_set_is_rejected() =>
        AssertRejected(RawSafeTensors.Build(OneTensor, LittleEndian.Floats(1, 2), headerLength: ulong.MaxValue), "claims");

    [Fact]
    public void Truncated_data_is_rejected() =>
        AssertRejected(RawSafeTensors.Build(OneTensor, LittleEndian.Floats(1)), "truncated");

    [Fact]
    public void Offsets_past_the_data_section_are_rejected() =>
        AssertRejected(
            RawSafeTensors.Build("""{"x":{"dtype":"F32","shape":[2],"data_offsets":[4000000000,4000000008]}}""", LittleEndian.Floats(1, 2)),
            "runs to byte");

    [Fact]
    public void Offsets_that_overflow_are_rejected() =>
        AssertRejected(
            RawSafeTensors.Build("""{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}}""", LittleEndian.Floats(1, 2)),
            "not a non-negative integer");

    [Fact]
    public void End_before_begin_is_rejected() =>
        AssertRejected(
            RawSafeTensors.Build("""{"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", LittleEndian.Floats(1, 2)),
            "before it begins");

    [Fact]
    public void Overlapping_tensors_are_rejected() =>
        AssertRejected(
            RawSafeTensors.Build(
                """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
                LittleEndian.Floats(1, 2, 3)),
            "overlap");

    [Fact]
    public void Size_that_does_not_match_the_shape_is_rejected() =>
        AssertRejected(
            RawSafeTensors.Build("""{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", LittleEndian.Floats(1, 2)),
            "needs 12");

    [Fact]
    public void Huge_shape_with_small_data_is_rejected_before_allocating() =>
        AssertRejected(
            RawSafeTensors.Build("""{"x":{"dtype":"F32","shape":[1099511627776,1024],"data_offsets":[0,8]}}""", LittleEndian.Floats(1, 2)),
            "needs");

    [Fact]
    public void Shape_whose_size_overflows_is_rejected() =>
        AssertRejected(
            RawSafeTensors.Build("""{"x":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}}""", LittleEndian.Floats(1, 2)),
            "too large");

    [Fact]
    public void Negative_dimension_is_rejected() =>
        AssertRejected(
            RawSafeTensors.Build("""{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", LittleEndian.Floats(1, 2)),
            "shape entry -2");

    [Fact]
    public void Bad_json_is_rejected() =>
        AssertRejected(RawSafeTensors.Build("""{"x":{"dtype":"F32",""", LittleEndian.Floats(1, 2)), "not valid JSON");

    [Fact]
    public void Header_that_is_not_an_object_is_rejected() =>
        AssertRejected(RawSafeTensors.Build("[1,2]", LittleEndian.Floats(1, 2)), "not an object");

    [Fact]
    public void Unknown_dtype_is_rejected() =>
        AssertRejected(
            RawSafeTensors.Build("""{"x":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}""", LittleEndian.Floats(1, 2)),
            "F8_E4M3");

    [Fact]
    public void Missing_fields_are_rejected() =>
        AssertRejected(RawSafeTensors.Build("""{"x":{"dtype":"F32","shape":[2]}}""", LittleEndian.Floats(1, 2)), "data_offsets");

    [Fact]
    public void Duplicate_tensor_names_are_rejected() =>
        AssertRejected(
            RawSafeTensors.Build(
                """{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
                LittleEndian.Floats(1, 2)),
            "twice");

    [Fact]
    public void Metadata_that_is_not_a_string_map_is_rejected() =>
        AssertRejected(
            RawSafeTensors.Build("""{"__metadata__":{"format":3},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", LittleEndian.Floats(1, 2)),
            "not a string");

    [Fact]
    public void Missing_file_is_reported_as_not_found()
    {
        var path = _folder.File("absent.safetensors");
        var error = Assert.Throws<QllmException>(() => SafeTensorsReader.Open(path));
        Assert.Equal(ErrorCodes.InputNotFound, error.Code);
        Assert.Equal(path, error.File);
    }

    private string Save(byte[] bytes)
    {
        var path = _folder.File("hostile.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private void AssertRejected(byte[] bytes, string expectedProblem)
    {
        var path = Save(bytes);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<QllmException>(() =>
        {
            using var reader = SafeTensorsReader.Open(path);
            reader.ReadAll().Values.ToList().ForEach(t => t.Dispose());
        });
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(ErrorCodes.BadSafeTensors, error.Code);
        Assert.Equal(path, error.File);
        Assert.Contains(expectedProblem, error.Problem, StringComparison.Ordinal);
        Assert.True(allocated < 1024 * 1024, $"rejecting the file allocated {allocated} bytes");
    }
}

using Qllm.Artifacts.Container;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tests.Container;

public sealed class ArtifactAtomicWriteTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(200)]
    [InlineData(3000)]
    [InlineData(-40)]
    public void A_disk_that_fails_mid_write_leaves_no_file(long budget)
    {
        var path = _folder.File("model.qllm");
        var writer = ArtifactRoundTripTests.BuildSample().Writer;
        var total = WrittenLength(writer);
        var failAfter = budget >= 0 ? budget : total + budget;
        Assert.InRange(failAfter, 0, total - 1);

        var error = Assert.Throws<QllmException>(() =>
            writer.Write(path, stream => new FailingStream(stream, failAfter, () => new IOException("No space left on device"))));

        Assert.Equal(ErrorCodes.OutputNotWritable, error.Code);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void An_exception_inside_the_write_leaves_no_file_and_keeps_the_old_one()
    {
        var path = _folder.File("model.qllm");
        var writer = ArtifactRoundTripTests.BuildSample().Writer;
        writer.Write(path);
        var before = File.ReadAllBytes(path);

        writer.Metadata["changed"] = true;
        Assert.Throws<OperationCanceledException>(() =>
            writer.Write(path, stream => new FailingStream(stream, 500, () => new OperationCanceledException())));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder.Path));
        using var reader = ArtifactReader.Open(path);
        Assert.False(reader.Metadata.ContainsKey("changed"));
    }

    [Fact]
    public void A_folder_that_does_not_exist_is_reported_as_not_writable()
    {
        var path = Path.Combine(_folder.Path, "missing", "model.qllm");
        var error = Assert.Throws<QllmException>(() => new ArtifactWriter().Write(path));
        Assert.Equal(ErrorCodes.OutputNotWritable, error.Code);
    }

    private static long WrittenLength(ArtifactWriter writer)
    {
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        return stream.Length;
    }
}

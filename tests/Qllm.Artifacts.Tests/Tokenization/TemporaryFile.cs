namespace Qllm.Artifacts.Tests.Tokenization;

/// <summary>A file in the temp folder, deleted on dispose.</summary>
internal sealed class TemporaryFile : IDisposable
{
    public TemporaryFile(ReadOnlySpan<byte> contents, string extension = ".bin")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"qllm-test-{Guid.NewGuid():N}{extension}");
        using var stream = File.Create(Path);
        stream.Write(contents);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}

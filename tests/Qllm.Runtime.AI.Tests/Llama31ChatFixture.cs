using Qllm.Engine.Torch;

namespace Qllm.Runtime.AI.Tests;

/// <summary>The Llama-3.1-shaped artifact (<see cref="Llama31ChatModel"/>), built once per test class.</summary>
public sealed class Llama31ChatFixture : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-llama31-chat-").FullName;
    private readonly Lazy<string> _artifact;

    public Llama31ChatFixture()
    {
        TorchRuntime.Initialize(DeviceRequest.Cpu);
        _artifact = new Lazy<string>(() => Llama31ChatModel.Build(_folder));
    }

    public string Artifact => _artifact.Value;

    public string TokenizerJson => Path.Combine(_folder, "llama3.1", "tokenizer.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

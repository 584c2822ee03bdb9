using Qllm.Engine.Loading.Llama2C;
using Qllm.Engine.Loading;
using Qllm.Engine.Torch;

namespace Qllm.Engine.Tests;

/// <summary>The real stories15M checkpoint, read once per test class that needs it.</summary>
public sealed class Stories15MFixture : IDisposable
{
    public Stories15MFixture()
    {
        TorchRuntime.Initialize(DeviceRequest.Cpu);
        Checkpoint = Llama2CCheckpointReader.Read(TestData.ModelPath);
    }

    public LlamaCheckpoint Checkpoint { get; }

    public void Dispose() => Checkpoint.Dispose();
}

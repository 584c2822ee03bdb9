namespace Qllm.Engine.Torch;

/// <summary>Where the user asked the engine to run.</summary>
public enum DeviceRequest
{
    /// <summary>CUDA when a CUDA libtorch and a GPU are present, else the CPU.</summary>
    Auto,

    /// <summary>The CPU.</summary>
    Cpu,

    /// <summary>The first CUDA GPU; an error when there is none.</summary>
    Cuda,
}

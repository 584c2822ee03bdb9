namespace Qllm.Engine.Quantization.Gptq;

/// <summary>
/// Thrown by <see cref="HessianCapture"/> once it has seen its input, to stop the layer's forward
/// pass there; caught by the capture's caller. Not an error.
/// </summary>
#pragma warning disable CA1032, CA1064 // Private to the capture loop: never seen outside it, so no serialization or standard constructors.
internal sealed class HessianCaptured : Exception
#pragma warning restore CA1032, CA1064
{
    public HessianCaptured()
        : base("the Hessian was captured; the rest of the layer's forward pass is not needed")
    {
    }
}

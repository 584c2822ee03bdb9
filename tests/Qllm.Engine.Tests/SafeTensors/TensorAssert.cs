using static TorchSharp.torch;

namespace Qllm.Engine.Tests.SafeTensors;

/// <summary>Exact comparisons of float32 CPU tensors, with messages that name the tensor.</summary>
internal static class TensorAssert
{
    public static void Equal(Tensor expected, Tensor actual, string name)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{name}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        Assert.True(expected.dtype == actual.dtype, $"{name}: dtype {actual.dtype}, expected {expected.dtype}");
        using var expectedFlat = expected.contiguous();
        using var actualFlat = actual.contiguous();
        Assert.True(expectedFlat.bytes.SequenceEqual(actualFlat.bytes), $"{name}: values differ");
    }
}

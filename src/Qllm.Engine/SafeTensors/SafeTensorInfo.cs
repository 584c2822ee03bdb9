using static TorchSharp.torch;

namespace Qllm.Engine.SafeTensors;

/// <summary>One tensor's entry in a safetensors header, after validation.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DType">The dtype as the file names it, for example <c>BF16</c>.</param>
/// <param name="ElementType">The torch element type of <paramref name="DType"/>.</param>
/// <param name="Shape">The tensor's shape (empty for a scalar).</param>
/// <param name="DataBegin">First byte, relative to the start of the data section.</param>
/// <param name="DataEnd">One past the last byte, relative to the start of the data section.</param>
public sealed record SafeTensorInfo(
    string Name,
    string DType,
    ScalarType ElementType,
    IReadOnlyList<long> Shape,
    long DataBegin,
    long DataEnd)
{
    /// <summary>Size of the tensor's data in bytes.</summary>
    public long ByteLength => DataEnd - DataBegin;
}

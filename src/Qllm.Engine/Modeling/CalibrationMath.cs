using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

/// <summary>
/// Matrix products in a module's <see cref="ICalibrationProducts.CalibrationProducts"/> type: both
/// factors rounded to it, the result returned in the input's type (and its gradients with it).
/// </summary>
internal static class CalibrationMath
{
    /// <summary>x·Wᵀ, in <paramref name="type"/> when given.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, ScalarType? type) => type is { } narrow && narrow != input.dtype
        ? nn.functional.linear(input.to(narrow), weight.to(narrow)).to(input.dtype)
        : nn.functional.linear(input, weight);

    /// <summary>x·M, in <paramref name="type"/> when given.</summary>
    public static Tensor MatMul(Tensor input, Tensor matrix, ScalarType? type) => type is { } narrow && narrow != input.dtype
        ? input.to(narrow).matmul(matrix.to(narrow)).to(input.dtype)
        : input.matmul(matrix);
}

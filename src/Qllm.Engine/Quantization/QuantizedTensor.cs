using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// A matrix [rows, columns] as stored in an artifact: integer codes, and per row (or group) a scale
/// and a zero point. <see cref="Dequantize"/> is the one way codes become floats, in the engine and
/// when an artifact is loaded back, so both give bit-identical weights.
/// </summary>
/// <param name="Codes">uint8 codes [rows, columns], each in 0 .. 2^bits − 1.</param>
/// <param name="Scales">float32 [rows, groups].</param>
/// <param name="Zeros">float32 [rows, groups], integer-valued.</param>
/// <param name="Bits">Bits per code.</param>
public sealed record QuantizedTensor(Tensor Codes, Tensor Scales, Tensor Zeros, int Bits) : IDisposable
{
    /// <summary>Quantizes <paramref name="matrix"/> per row (or per group of <paramref name="groupSize"/> columns).</summary>
    public static QuantizedTensor From(Tensor matrix, int bits, int? groupSize = null)
    {
        // Disposed here: left to the garbage collector, the detached handle would keep a float
        // weight alive after its owner frees it (176 MB per layer of a 1B model).
        using var detached = matrix.detach();
        var (codes, scales, zeros) = UniformQuantizer.Quantize(detached, bits, groupSize);
        return new QuantizedTensor(codes, scales, zeros, bits);
    }

    /// <summary>Columns per range.</summary>
    public long GroupSize => Codes.shape[1] / Scales.shape[1];

    /// <summary>The float matrix the codes stand for.</summary>
    public Tensor Dequantize() => UniformQuantizer.Dequantize(Codes, Scales, Zeros);

    /// <inheritdoc />
    public void Dispose()
    {
        Codes.Dispose();
        Scales.Dispose();
        Zeros.Dispose();
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// Uniform affine (asymmetric, min/max) quantization, the quantizer QLLM and its baselines share:
/// scale = (max − min) / (2^bits − 1), zero = round(−min / scale), q = clamp(round(x / scale) + zero, 0, 2^bits − 1),
/// x̂ = (q − zero) · scale. Ranges are taken over the last dimension: per output row for a weight
/// [out, in] (or per group of columns), per token for activations, per head and token for q/k/v states.
/// </summary>
public static class UniformQuantizer
{
    // The reference's floor on the scale: keeps a constant row from dividing by zero.
    private const double MinScale = 1e-5;

    /// <summary>Quantizes and dequantizes <paramref name="x"/> over its last dimension (optionally in groups of <paramref name="groupSize"/>).</summary>
    /// <param name="x">Any tensor; ranges are per slice of the last dimension.</param>
    /// <param name="bits">2–8; 16 or more returns the input unchanged.</param>
    /// <param name="groupSize">Columns per range, or null for the whole last dimension.</param>
    /// <param name="straightThrough">Round with a straight-through gradient (for training through the quantizer).</param>
    public static Tensor FakeQuantize(Tensor x, int bits, int? groupSize = null, bool straightThrough = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (bits >= 16)
        {
            return x.alias();
        }

        using var scope = NewDisposeScope();
        var grouped = Group(x, groupSize);
        var (scale, zero) = Range(grouped.detach(), bits);
        var scaled = grouped / scale;
        var rounded = straightThrough ? scaled + (scaled.round() - scaled).detach() : scaled.round();
        var q = (rounded + zero).clamp(0, (1 << bits) - 1);
        return ((q - zero) * scale).view(x.shape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Quantizes <paramref name="x"/> per slice of its last dimension exactly as <see cref="FakeQuantize"/>
    /// does (ranges and codes in float32), and returns the dequantized values (q − zero)·scale in
    /// double, where they are exact: what an integer product sees.
    /// </summary>
    public static Tensor QuantizeToExactDouble(Tensor x, int bits)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var grouped = x.to(ScalarType.Float32).unsqueeze(-2);
        var (scale, zero) = Range(grouped, bits);
        var q = ((grouped / scale).round() + zero).clamp(0, (1 << bits) - 1);
        return ((q - zero).to(ScalarType.Float64) * scale.to(ScalarType.Float64)).view(x.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Integer codes, scales and zero points of a weight [out, in] quantized per row (or group).</summary>
    /// <returns>Codes [out, in] as uint8, scales and zeros [out, in / groupSize] as float32 (zeros hold integers).</returns>
    public static (Tensor Codes, Tensor Scales, Tensor Zeros) Quantize(Tensor weight, int bits, int? groupSize = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = NewDisposeScope();
        var grouped = Group(weight.to(ScalarType.Float32), groupSize);
        var (scale, zero) = Range(grouped, bits);
        // In place after the first quotient: a 32000-row embedding would otherwise hold four float copies at once.
        var codes = (grouped / scale).round_().add_(zero).clamp_(0, (1 << bits) - 1).view(weight.shape).to(ScalarType.Byte);
        long groups = grouped.shape[^2];
        return (codes.MoveToOuterDisposeScope(), scale.view(weight.shape[0], groups).MoveToOuterDisposeScope(), zero.view(weight.shape[0], groups).MoveToOuterDisposeScope());
    }

    /// <summary>Rebuilds the weight from <see cref="Quantize"/>'s codes, scales and zeros, in the type of the scales (which the zeros share).</summary>
    public static Tensor Dequantize(Tensor codes, Tensor scales, Tensor zeros)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentNullException.ThrowIfNull(zeros);
        using var scope = NewDisposeScope();
        long rows = codes.shape[0], columns = codes.shape[1], groups = scales.shape[1];
        // In place on one copy in the scales' type (float32, or double for the exact products):
        // an embedding's dequantization would otherwise hold three float copies.
        var grouped = codes.to(scales.dtype).view(rows, groups, columns / groups);
        return grouped.sub_(zeros.unsqueeze(2)).mul_(scales.unsqueeze(2)).view(rows, columns).MoveToOuterDisposeScope();
    }

    private static Tensor Group(Tensor x, int? groupSize)
    {
        long last = x.shape[^1];
        if (groupSize is not { } size || size >= last)
        {
            return x.unsqueeze(-2);
        }

        if (last % size != 0)
        {
            throw new ArgumentException($"group size {size} does not divide the {last} columns", nameof(groupSize));
        }

        return x.unflatten(x.dim() - 1, [last / size, size]);
    }

    private static (Tensor Scale, Tensor Zero) Range(Tensor grouped, int bits)
    {
        long last = grouped.dim() - 1;
        var min = grouped.amin([last], keepdim: true);
        var max = grouped.amax([last], keepdim: true);
        var scale = ((max - min) / ((1 << bits) - 1)).clamp_min(MinScale);
        var zero = (-min / scale).round();
        return (scale, zero);
    }
}

using System.Globalization;
using Qllm.Core.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization.Gptq;

/// <summary>
/// GPTQ (arXiv 2210.17323): rounds a weight [out, in] column by column, each column's rounding
/// error spread over the columns not yet rounded through the inverse Hessian of the layer's
/// inputs, so that X·Ŵᵀ stays close to X·Wᵀ on the calibration inputs rather than Ŵ close to W.
/// The grid (scale and zero per row, or per group of columns) is that of <see cref="UniformQuantizer"/>
/// on the original weight, fixed before any update: only the codes change, so the result is stored
/// and computed exactly as a round-to-nearest weight is.
/// </summary>
internal static class GptqRounding
{
    // 0.01 → 0.1 → 1 → 10 → 100 of the mean diagonal: past that the Hessian is not the problem.
    private const int MaxRaises = 4;

    /// <summary>Rounds <paramref name="weight"/> with GPTQ on the grid of its rows (or groups).</summary>
    /// <param name="weight">The float weight [out, in]; not modified. Its device is where the work runs.</param>
    /// <param name="hessian">Σ xᵀx over the calibration inputs x [in] that the linear receives, [in, in] (any scale; float64 recommended).</param>
    /// <param name="bits">Bits per weight, 2–8.</param>
    /// <param name="groupSize">Columns per range, or null for one range per row.</param>
    /// <param name="settings">Damping, block size and column order; <see cref="GptqSettings.Default"/> when null.</param>
    /// <param name="name">What the weight is (for error messages).</param>
    /// <param name="hessianIsScratch">Whether <paramref name="hessian"/> (float64, on the weight's device) may be used up: the rounding then works in it instead of a copy, which at a 1B model's feed-forward width is 254 MB less.</param>
    /// <returns>The codes with the grid of the original weight, and the damping that was used.</returns>
    /// <exception cref="QllmException">The Hessian or the weight holds non-finite values, or the Hessian stays indefinite with the damping raised <see cref="MaxRaises"/> times.</exception>
    public static GptqRoundingResult Round(Tensor weight, Tensor hessian, int bits, int? groupSize = null, GptqSettings? settings = null, string? name = null, bool hessianIsScratch = false)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(hessian);
        settings ??= GptqSettings.Default;
        Validate(weight, hessian, bits, settings);
        name ??= "a weight";
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = weight.device;
        long rows = weight.shape[0], columns = weight.shape[1];

        // The grid comes from the original weight, exactly as round-to-nearest would choose it.
        var (_, scales, zeros) = UniformQuantizer.Quantize(weight.detach(), bits, groupSize);
        long perGroup = columns / scales.shape[1];
        var grid = new ColumnGrid(scales.to(ScalarType.Float64), zeros.to(ScalarType.Float64), arange(columns, dtype: ScalarType.Int64, device: device).div_(perGroup, rounding_mode: RoundingMode.floor));

        var w = weight.detach().to(ScalarType.Float64).clone();
        bool inPlace = hessianIsScratch && hessian.dtype == ScalarType.Float64 && hessian.device_type == weight.device_type && hessian.device_index == weight.device_index;
        var h = inPlace ? hessian.detach() : hessian.detach().to(device).to(ScalarType.Float64).clone();
        if (!h.isfinite().all().item<bool>() || !w.isfinite().all().item<bool>())
        {
            throw new QllmException(
                ErrorCodes.GptqFailed,
                null,
                $"GPTQ cannot round {name}: its {(w.isfinite().all().item<bool>() ? "calibration Hessian" : "weight")} holds NaN or infinite values",
                "check the model's weights and the calibration inputs for non-finite values (quantize with --weight-rounding nearest to go on), and report the model if they are finite");
        }

        // A column no calibration input ever reaches cannot change the output: zero it and give it a
        // unit diagonal so that the Hessian stays invertible (the reference's treatment). The
        // Hessian is changed in place from here on: at a 1B model's feed-forward width each copy of
        // it is 254 MB, and every one kept alive added to the peak of a quantization.
        var dead = h.diagonal() == 0;
        h.diagonal().add_(dead.to(ScalarType.Float64));
        w.mul_(dead.logical_not().to(ScalarType.Float64));

        Tensor? permutation = null;
        if (settings.ActOrder)
        {
            // Stable, so that equal diagonals keep their order on every device.
            permutation = h.diagonal().sort(descending: true, stable: true).Indices;
            w = Replace(w, w.index_select(1, permutation));
            h = Replace(h, h.index_select(0, permutation));
            h = Replace(h, h.index_select(1, permutation));
            grid = grid.Permuted(permutation);
        }

        var (inverse, fraction) = DampedInverseFactor(h, settings.DampingFraction, name);
        h.Dispose();
        var codes = Quantize(w, inverse, grid, bits, settings.BlockSize);
        if (permutation is not null)
        {
            codes = codes.index_select(1, permutation.argsort());
        }

        var rounded = new QuantizedTensor(
            codes.MoveToOuterDisposeScope(),
            scales.MoveToOuterDisposeScope(),
            zeros.MoveToOuterDisposeScope(),
            bits);
        return new GptqRoundingResult(rounded, fraction, fraction != settings.DampingFraction);
    }

    /// <summary>
    /// The upper Cholesky factor U of (H + λI)⁻¹ = UᵀU, λ = fraction · mean(diag H), the fraction
    /// raised tenfold while a factorization fails. λ is added to <paramref name="h"/>'s diagonal in
    /// place (each try from the undamped diagonal), and each intermediate is freed as soon as the
    /// next exists, so that no more than three [in, in] matrices live at once.
    /// </summary>
    private static (Tensor Factor, double Fraction) DampedInverseFactor(Tensor h, double fraction, string name)
    {
        double meanDiagonal = h.diagonal().mean().item<double>();
        using var undamped = h.diagonal().clone();
        for (int raises = 0; ; raises++)
        {
            using (var attempt = NewDisposeScope())
            {
                h.diagonal().copy_(undamped + (fraction * meanDiagonal));
                var (lower, info) = linalg.cholesky_ex(h);
                if (info.item<int>() == 0)
                {
                    var inverse = Replace(lower, cholesky_inverse(lower));
                    var (inverseLower, inverseInfo) = linalg.cholesky_ex(inverse);
                    inverse.Dispose();
                    if (inverseInfo.item<int>() == 0 && inverseLower.isfinite().all().item<bool>())
                    {
                        return (Replace(inverseLower, inverseLower.t().contiguous()).MoveToOuterDisposeScope(), fraction);
                    }
                }
            }

            if (raises == MaxRaises)
            {
                throw new QllmException(
                    ErrorCodes.GptqFailed,
                    null,
                    string.Create(CultureInfo.InvariantCulture, $"GPTQ cannot round {name}: its calibration Hessian is not positive definite even with a damping of {fraction:G3} of its mean diagonal"),
                    "quantize with --weight-rounding nearest, or with more calibration samples, and report the model");
            }

            fraction *= 10;
        }
    }

    /// <summary>Frees <paramref name="old"/> now rather than at the end of the scope, and returns <paramref name="replacement"/>.</summary>
    private static Tensor Replace(Tensor old, Tensor replacement)
    {
        old.Dispose();
        return replacement;
    }

    /// <summary>
    /// The codes [rows, columns] (as bytes) of <paramref name="w"/>, column by column: within a block
    /// each column's error updates the block's later columns at once; the columns after the block get
    /// the block's errors in one product at its end (the paper's lazy batch update).
    /// </summary>
    private static Tensor Quantize(Tensor w, Tensor inverse, ColumnGrid grid, int bits, int blockSize)
    {
        long rows = w.shape[0], columns = w.shape[1];
        int maxCode = (1 << bits) - 1;
        var codes = zeros([rows, columns], ScalarType.Byte, w.device);
        for (long first = 0; first < columns; first += blockSize)
        {
            using var blockScope = NewDisposeScope();
            long count = Math.Min(blockSize, columns - first), end = first + count;
            var block = w.narrow(1, first, count).clone();
            var errors = zeros([rows, count], ScalarType.Float64, w.device);
            var blockInverse = inverse.narrow(0, first, count).narrow(1, first, count);
            var (blockScale, blockZero) = grid.Columns(first, count);
            var blockCodes = codes.narrow(1, first, count);
            for (long i = 0; i < count; i++)
            {
                using var columnScope = NewDisposeScope();
                var column = block.select(1, i);
                var scale = blockScale.select(1, i);
                var zero = blockZero.select(1, i);
                var code = (column / scale).round_().add_(zero).clamp_(0, maxCode);
                blockCodes.select(1, i).copy_(code);
                var error = (column - ((code - zero) * scale)) / blockInverse[i, i];
                errors.select(1, i).copy_(error);
                if (i + 1 < count)
                {
                    var row = blockInverse.select(0, i).narrow(0, i + 1, count - i - 1);
                    block.narrow(1, i + 1, count - i - 1).sub_(error.unsqueeze(1).matmul(row.unsqueeze(0)));
                }
            }

            if (end < columns)
            {
                w.narrow(1, end, columns - end).sub_(errors.matmul(inverse.narrow(0, first, count).narrow(1, end, columns - end)));
            }
        }

        return codes;
    }

    private static void Validate(Tensor weight, Tensor hessian, int bits, GptqSettings settings)
    {
        if (weight.dim() != 2)
        {
            throw new ArgumentException($"expected a weight [out, in], got [{string.Join(", ", weight.shape)}]", nameof(weight));
        }

        long columns = weight.shape[1];
        if (hessian.dim() != 2 || hessian.shape[0] != columns || hessian.shape[1] != columns)
        {
            throw new ArgumentException($"expected a Hessian [{columns}, {columns}], got [{string.Join(", ", hessian.shape)}]", nameof(hessian));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 8);
        if (!(settings.DampingFraction > 0) || double.IsInfinity(settings.DampingFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.DampingFraction, "the damping fraction must be positive and finite");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(settings.BlockSize, 1, nameof(settings));
    }
}

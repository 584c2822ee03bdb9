using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Gptq;
using Qllm.Core.Errors;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization.Gptq;

public sealed class GptqRoundingTests(ITestOutputHelper output)
{
    private const int Rows = 64;
    private const int Columns = 256;

    [Fact]
    public void Gptq_lowers_the_output_error_of_round_to_nearest_on_the_same_grid()
    {
        using var scope = NewDisposeScope();
        var (w, x) = Problem(seed: 1, tokens: 2048);
        var result = GptqRounding.Round(w, Hessian(x), bits: 4);
        using var rtn = QuantizedTensor.From(w, 4);

        double gptqError = OutputError(x, w, result.Weight), rtnError = OutputError(x, w, rtn);
        output.WriteLine($"‖XWᵀ − XŴᵀ‖²: GPTQ {gptqError:G4}, RTN {rtnError:G4}, ratio {gptqError / rtnError:F3}");
        Assert.True(gptqError < 0.9 * rtnError, $"GPTQ {gptqError} vs RTN {rtnError}");
        Assert.False(result.DampingRaised);
        Assert.Equal(0.01, result.DampingFraction);
        AssertOnTheGrid(result.Weight, rtn);
        // The codes really moved: GPTQ is not round to nearest in disguise.
        Assert.True(result.Weight.Codes.ne(rtn.Codes).to(ScalarType.Float32).mean().item<float>() > 0.05);
    }

    [Fact]
    public void With_uncorrelated_inputs_there_is_no_error_to_spread_and_gptq_is_round_to_nearest()
    {
        using var scope = NewDisposeScope();
        var (w, _) = Problem(seed: 2, tokens: 16);
        var result = GptqRounding.Round(w, eye(Columns, dtype: ScalarType.Float64) * 7, bits: 4);
        using var rtn = QuantizedTensor.From(w, 4);
        Assert.True(result.Weight.Codes.eq(rtn.Codes).all().item<bool>());
    }

    [Fact]
    public void Groups_keep_the_grid_of_each_group_and_still_lower_the_error()
    {
        using var scope = NewDisposeScope();
        var (w, x) = Problem(seed: 3, tokens: 2048);
        var result = GptqRounding.Round(w, Hessian(x), bits: 4, groupSize: 64);
        using var rtn = QuantizedTensor.From(w, 4, groupSize: 64);
        Assert.Equal(64, result.Weight.GroupSize);
        AssertOnTheGrid(result.Weight, rtn);
        double gptqError = OutputError(x, w, result.Weight), rtnError = OutputError(x, w, rtn);
        output.WriteLine($"groups of 64: GPTQ {gptqError:G4}, RTN {rtnError:G4}, ratio {gptqError / rtnError:F3}");
        Assert.True(gptqError < 0.9 * rtnError, $"GPTQ {gptqError} vs RTN {rtnError}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(64)]
    public void Act_order_works_on_the_original_grid_and_is_not_worse_than_round_to_nearest(int? groupSize)
    {
        using var scope = NewDisposeScope();
        var (w, x) = Problem(seed: 4, tokens: 2048, scaleColumns: true);
        var h = Hessian(x);
        var ordered = GptqRounding.Round(w, h, bits: 4, groupSize, new GptqSettings(ActOrder: true));
        var natural = GptqRounding.Round(w, h, bits: 4, groupSize);
        using var rtn = QuantizedTensor.From(w, 4, groupSize);
        AssertOnTheGrid(ordered.Weight, rtn);
        double orderedError = OutputError(x, w, ordered.Weight), naturalError = OutputError(x, w, natural.Weight), rtnError = OutputError(x, w, rtn);
        output.WriteLine($"group {(groupSize is { } g ? $"of {g}" : "per row")}: act-order {orderedError:G4}, natural order {naturalError:G4}, RTN {rtnError:G4}, act-order/RTN {orderedError / rtnError:F3}");
        Assert.True(orderedError < 0.9 * rtnError, $"act-order {orderedError} vs RTN {rtnError}");
    }

    [Fact]
    public void The_cholesky_form_gives_the_codes_of_the_plain_optimal_brain_quantizer_updates()
    {
        using var scope = NewDisposeScope();
        var (w, x) = Problem(seed: 12, tokens: 512);
        w = w.narrow(0, 0, 8).narrow(1, 0, 48).contiguous();
        x = x.narrow(1, 0, 48).contiguous();
        var h = Hessian(x);
        var result = GptqRounding.Round(w, h, bits: 3, settings: new GptqSettings(BlockSize: 16));

        // The paper's starting point, written out: round column i, then move the columns not yet
        // rounded by the error times row i of the inverse of the Hessian restricted to them.
        using var rtn = QuantizedTensor.From(w, 3);
        var scale = rtn.Scales.to(ScalarType.Float64).squeeze(1);
        var zero = rtn.Zeros.to(ScalarType.Float64).squeeze(1);
        var damped = h + (eye(48, dtype: ScalarType.Float64) * (0.01 * h.diagonal().mean().item<double>()));
        var remaining = w.to(ScalarType.Float64).clone();
        var expected = zeros([8, 48], ScalarType.Float64);
        for (int i = 0; i < 48; i++)
        {
            var inverse = linalg.inv(damped.narrow(0, i, 48 - i).narrow(1, i, 48 - i));
            var code = (remaining.select(1, i) / scale).round().add(zero).clamp(0, 7);
            expected.select(1, i).copy_(code);
            var error = (remaining.select(1, i) - ((code - zero) * scale)) / inverse[0, 0];
            remaining.narrow(1, i, 48 - i).sub_(error.outer(inverse.select(0, 0)));
        }

        Assert.True(result.Weight.Codes.to(ScalarType.Float64).eq(expected).all().item<bool>());
    }

    [Fact]
    public void Block_size_changes_only_the_order_of_the_sums()
    {
        using var scope = NewDisposeScope();
        var (w, x) = Problem(seed: 5, tokens: 2048);
        var h = Hessian(x);
        var blocked = GptqRounding.Round(w, h, bits: 4, settings: new GptqSettings(BlockSize: 128));
        var whole = GptqRounding.Round(w, h, bits: 4, settings: new GptqSettings(BlockSize: Columns));
        var odd = GptqRounding.Round(w, h, bits: 4, settings: new GptqSettings(BlockSize: 37));
        // The lazy batch update is the same arithmetic in another order: codes agree but for rare ties.
        Assert.True(blocked.Weight.Codes.ne(whole.Weight.Codes).sum().item<long>() <= 2);
        Assert.True(odd.Weight.Codes.ne(whole.Weight.Codes).sum().item<long>() <= 2);
    }

    [Fact]
    public void Dead_columns_are_zeroed_and_the_rest_still_gains()
    {
        using var scope = NewDisposeScope();
        var (w, x) = Problem(seed: 6, tokens: 2048);
        var alive = ones(Columns);
        alive[3] = 0;
        alive[100] = 0;
        alive[255] = 0;
        x = x * alive;
        var result = GptqRounding.Round(w, Hessian(x), bits: 4);
        using var rtn = QuantizedTensor.From(w, 4);
        AssertOnTheGrid(result.Weight, rtn);
        var dequantized = result.Weight.Dequantize();
        Assert.True(dequantized.isfinite().all().item<bool>());
        // A dead column is rounded as zero: the grid point nearest 0 (the grid need not contain 0).
        var zeroCode = rtn.Zeros.clamp(0, 15).squeeze(1).to(ScalarType.Byte);
        foreach (var dead in new[] { 3, 100, 255 })
        {
            Assert.True(result.Weight.Codes.select(1, dead).eq(zeroCode).all().item<bool>(), $"column {dead}");
        }

        double gptqError = OutputError(x, w, result.Weight), rtnError = OutputError(x, w, rtn);
        Assert.True(gptqError < 0.9 * rtnError, $"GPTQ {gptqError} vs RTN {rtnError}");
    }

    [Fact]
    public void A_rank_deficient_hessian_is_handled_by_the_default_damping()
    {
        using var scope = NewDisposeScope();
        var (w, x) = Problem(seed: 7, tokens: 8);
        var result = GptqRounding.Round(w, Hessian(x), bits: 4);
        using var rtn = QuantizedTensor.From(w, 4);
        Assert.False(result.DampingRaised);
        AssertOnTheGrid(result.Weight, rtn);
        double gptqError = OutputError(x, w, result.Weight), rtnError = OutputError(x, w, rtn);
        output.WriteLine($"8 tokens, 256 columns: GPTQ {gptqError:G4}, RTN {rtnError:G4}, ratio {gptqError / rtnError:F3}");
        // With more columns than tokens the updates can cancel the error on those tokens almost entirely.
        Assert.True(gptqError < 0.5 * rtnError, $"GPTQ {gptqError} vs RTN {rtnError}");
    }

    [Fact]
    public void An_indefinite_hessian_gets_its_damping_raised_and_reported()
    {
        using var scope = NewDisposeScope();
        var (w, _) = Problem(seed: 8, tokens: 8);
        // Eigenvalue −0.05 along v (as float32 accumulation of a Hessian can produce): 0.01 of the
        // mean diagonal does not lift it, 0.1 does.
        var v = randn(Columns, ScalarType.Float64, generator: new Generator(9));
        v /= v.norm();
        var h = eye(Columns, dtype: ScalarType.Float64) - (1.05 * v.outer(v));
        var result = GptqRounding.Round(w, h, bits: 4);
        Assert.True(result.DampingRaised);
        Assert.Equal(0.1, result.DampingFraction, 12);
        using var rtn = QuantizedTensor.From(w, 4);
        AssertOnTheGrid(result.Weight, rtn);
    }

    [Fact]
    public void A_hessian_no_damping_can_save_or_a_non_finite_one_is_a_clear_error()
    {
        using var scope = NewDisposeScope();
        var (w, _) = Problem(seed: 10, tokens: 8);
        var v = ones(Columns, ScalarType.Float64) / Math.Sqrt(Columns);
        var negative = eye(Columns, dtype: ScalarType.Float64) - (1000 * v.outer(v));
        var error = Assert.Throws<QllmException>(() => GptqRounding.Round(w, negative, bits: 4, name: "mlp.down_proj of layer 3"));
        Assert.Equal(ErrorCodes.GptqFailed, error.Code);
        Assert.Contains("mlp.down_proj of layer 3", error.Problem, StringComparison.Ordinal);
        Assert.Contains("not positive definite", error.Problem, StringComparison.Ordinal);

        var nan = eye(Columns, dtype: ScalarType.Float64);
        nan[5, 5] = double.NaN;
        error = Assert.Throws<QllmException>(() => GptqRounding.Round(w, nan, bits: 4));
        Assert.Contains("NaN", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        using var scope = NewDisposeScope();
        var (w, x) = Problem(seed: 11, tokens: 8);
        var h = Hessian(x);
        Assert.Throws<ArgumentException>(() => GptqRounding.Round(w, h.narrow(0, 0, 10), bits: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => GptqRounding.Round(w, h, bits: 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => GptqRounding.Round(w, h, bits: 4, settings: new GptqSettings(DampingFraction: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GptqRounding.Round(w, h, bits: 4, settings: new GptqSettings(BlockSize: 0)));
        Assert.Throws<ArgumentException>(() => GptqRounding.Round(w, h, bits: 4, groupSize: 100));
    }

    /// <summary>
    /// A weight [64, 256] and inputs [tokens, 256] whose columns are strongly correlated (16 latent
    /// factors plus a little noise), the regime where spreading the rounding error pays.
    /// </summary>
    internal static (Tensor Weight, Tensor Inputs) Problem(ulong seed, int tokens, bool scaleColumns = false)
    {
        using var generator = new Generator(seed);
        var w = randn([Rows, Columns], generator: generator) * 0.05f;
        var x = randn([tokens, 16], generator: generator).matmul(randn([16, Columns], generator: generator)) + (0.1f * randn([tokens, Columns], generator: generator));
        if (scaleColumns)
        {
            // Uneven column scales give act-order an order to find.
            x *= rand([Columns], generator: generator) * 3 + 0.1f;
        }

        return (w, x);
    }

    internal static Tensor Hessian(Tensor x)
    {
        var x64 = x.to(ScalarType.Float64);
        return x64.t().matmul(x64);
    }

    internal static double OutputError(Tensor x, Tensor w, QuantizedTensor rounded)
    {
        using var scope = NewDisposeScope();
        var x64 = x.to(ScalarType.Float64);
        return (x64.matmul(w.to(ScalarType.Float64).t()) - x64.matmul(rounded.Dequantize().to(ScalarType.Float64).t())).pow(2).sum().item<double>();
    }

    /// <summary>The same scales and zeros as round to nearest on the original weight, codes in range, values on the grid.</summary>
    private static void AssertOnTheGrid(QuantizedTensor rounded, QuantizedTensor rtn)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(ScalarType.Byte, rounded.Codes.dtype);
        Assert.Equal(rtn.Codes.shape, rounded.Codes.shape);
        Assert.True(rounded.Scales.eq(rtn.Scales).all().item<bool>(), "scales");
        Assert.True(rounded.Zeros.eq(rtn.Zeros).all().item<bool>(), "zeros");
        Assert.True(rounded.Codes.le(15).all().item<bool>(), "codes out of range");
        var values = rounded.Dequantize();
        var codes = (values.view(Rows, rounded.Scales.shape[1], -1) / rounded.Scales.unsqueeze(2)) + rounded.Zeros.unsqueeze(2);
        Assert.True(codes.sub(codes.round()).abs().max().item<float>() < 1e-3, "values off the grid");
    }
}

namespace Qllm.Engine.Quantization;

/// <summary>How weights are rounded onto their grid, the last step of every method (<c>--weight-rounding</c>).</summary>
public enum WeightRounding
{
    /// <summary>Each weight to its nearest grid point.</summary>
    Nearest,

    /// <summary>GPTQ: column by column with the error fed back through the inverse Hessian of the calibration inputs.</summary>
    Gptq,
}

using static TorchSharp.torch;

namespace Qllm.Engine.Modeling;

/// <summary>
/// A module with matrix products that calibration passes and training steps may compute in a
/// narrower type than float32: the linears, the reassembly of their inputs and the online
/// transforms. See <see cref="DecoderLayer.CalibrationProducts"/>.
/// </summary>
public interface ICalibrationProducts
{
    /// <summary>The type of the module's matrix products while calibrating, or null: the exact path.</summary>
    ScalarType? CalibrationProducts { get; set; }
}

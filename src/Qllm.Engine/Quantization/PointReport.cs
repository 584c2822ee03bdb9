namespace Qllm.Engine.Quantization;

/// <summary>The reassembly chosen at one point of one layer.</summary>
/// <param name="Layer">The layer.</param>
/// <param name="Point">qkv, gate_up or down.</param>
/// <param name="Threshold">The chosen θ (infinity when no channel is split).</param>
/// <param name="ExtraChannels">Sub-channels added by disassembly (and merged away again).</param>
/// <param name="Error">The consumer-output MSE with this choice.</param>
/// <param name="IdentityError">The same error without reassembly.</param>
public sealed record PointReport(int Layer, string Point, double Threshold, int ExtraChannels, double Error, double IdentityError);

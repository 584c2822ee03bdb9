namespace Qllm.Artifacts.Schema;

/// <summary>One reassembly point of a block, as the <c>blocks</c> metadata records it.</summary>
/// <param name="Layer">The decoder layer.</param>
/// <param name="Point">The point: qkv, gate_up or down.</param>
/// <param name="Threshold">The reassembly threshold, or null where the point was left as it was.</param>
/// <param name="ExtraChannels">Channels added by disassembly.</param>
/// <param name="Error">The point's error with the chosen threshold.</param>
/// <param name="IdentityError">Its error left as it was.</param>
public sealed record PointRecord(int Layer, string Point, double? Threshold, int ExtraChannels, double Error, double IdentityError);

namespace Qllm.Engine.Quantization.Reassembly;

/// <summary>The outcome of the threshold search at one reassembly point.</summary>
/// <param name="Map">The chosen map (the identity when no reassembly beats it).</param>
/// <param name="Threshold">The chosen θ; +∞ when nothing is disassembled.</param>
/// <param name="ExtraChannels">E: channels added by disassembly and removed again by assembly.</param>
/// <param name="Error">MSE of the quantized consumer outputs against full precision with <paramref name="Map"/>, on the search's tokens.</param>
/// <param name="IdentityError">The same MSE without reassembly.</param>
/// <param name="CandidatesEvaluated">Maps evaluated, the identity included.</param>
public sealed record ReassemblyChoice(ReassemblyMap Map, double Threshold, int ExtraChannels, double Error, double IdentityError, int CandidatesEvaluated);

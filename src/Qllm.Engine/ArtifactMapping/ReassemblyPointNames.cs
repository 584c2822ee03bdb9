using Qllm.Artifacts.Schema;
using Qllm.Engine.Quantization;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>The artifact's name of each reassembly point (one of <see cref="ArtifactTensorNames.Points"/>).</summary>
internal static class ReassemblyPointNames
{
    public static string Of(ReassemblyPoint point) => ArtifactTensorNames.Points[(int)point];
}

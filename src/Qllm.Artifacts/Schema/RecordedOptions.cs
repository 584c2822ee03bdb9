using System.Text.Json.Nodes;

namespace Qllm.Artifacts.Schema;

/// <summary>The <c>options</c> metadata as an artifact records it (<see cref="ArtifactSchema.ReadOptions"/>): read leniently, since it only describes the run.</summary>
/// <param name="Preset">The preset, or null when not recorded.</param>
/// <param name="Method">The method, or null when not recorded.</param>
/// <param name="Rotation">The rotation; <c>none</c> when not recorded (artifacts from before rotation was an option).</param>
/// <param name="WeightRounding">The weight rounding; <c>nearest</c> when not recorded (artifacts from before GPTQ).</param>
/// <param name="All">Every option recorded, as recorded (a copy; empty when there is no <c>options</c> object).</param>
public sealed record RecordedOptions(string? Preset, string? Method, string Rotation, string WeightRounding, JsonObject All);

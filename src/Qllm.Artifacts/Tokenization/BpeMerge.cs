namespace Qllm.Artifacts.Tokenization;

/// <summary>What a pair of adjacent symbols merges into, and when: lower <paramref name="Priority"/> merges first.</summary>
/// <param name="Priority">Order among merges: a Hugging Face merge rank, or a score made an ascending key (<see cref="PriorityBpe.HighestScoreFirst"/>).</param>
/// <param name="Merged">The merged symbol's id.</param>
internal readonly record struct BpeMerge(uint Priority, int Merged);

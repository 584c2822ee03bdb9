namespace Qllm.Tool.Commands.Cache;

/// <summary>An entry `cache verify` removed, and why.</summary>
internal sealed record CacheVerifyProblem(string Folder, string Problem);

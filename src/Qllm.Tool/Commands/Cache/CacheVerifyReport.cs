namespace Qllm.Tool.Commands.Cache;

/// <summary>`cache verify --json`'s object: how many entries passed, and those removed with why.</summary>
internal sealed record CacheVerifyReport(string CacheDir, int Verified, IReadOnlyList<CacheVerifyProblem> Removed);

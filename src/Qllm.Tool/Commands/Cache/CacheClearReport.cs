namespace Qllm.Tool.Commands.Cache;

/// <summary>`cache clear --json`'s object: how many entries were removed.</summary>
internal sealed record CacheClearReport(string CacheDir, int Removed);

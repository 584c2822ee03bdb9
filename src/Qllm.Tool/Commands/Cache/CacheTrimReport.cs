namespace Qllm.Tool.Commands.Cache;

/// <summary>`cache trim --json`'s object: the keys removed and the store's size afterwards.</summary>
internal sealed record CacheTrimReport(string CacheDir, IReadOnlyList<string> Removed, long TotalBytes);

namespace Qllm.Tool.Commands;

/// <summary>`cache trim --json`'s object: the keys removed and the store's size afterwards.</summary>
internal sealed record CacheTrimReport(string CacheDir, IReadOnlyList<string> Removed, long TotalBytes);

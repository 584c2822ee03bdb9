namespace Qllm.Tool.Commands.Cache;

/// <summary>`cache ls --json`'s object: the folder, every entry (most recently used first) and their total size.</summary>
internal sealed record CacheListReport(string CacheDir, IReadOnlyList<CacheListItem> Entries, long TotalBytes);

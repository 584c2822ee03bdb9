namespace Qllm.Artifacts.Container;

/// <summary>The artifact file being opened as a verification memo knows it: its full path and write time.</summary>
internal sealed record RememberedFile(ArtifactVerificationMemo Memo, string Path, long LastWriteUtcTicks);

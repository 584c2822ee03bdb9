namespace Qllm.Cache;

/// <summary>
/// An exclusive lock on one key of the store, held by an open file (an advisory flock on Unix,
/// a share-none handle on Windows), so the operating system releases it when a process dies.
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private readonly FileStream _file;

    private StoreLock(FileStream file) => _file = file;

    /// <summary>Takes the lock at <paramref name="path"/>, waiting (and saying so once) while another process holds it.</summary>
    public static StoreLock Acquire(string path, Action? onWaiting, CancellationToken cancellation)
    {
        var saidWaiting = false;
        while (true)
        {
            if (TryAcquire(path) is { } acquired)
            {
                return acquired;
            }

            if (!saidWaiting)
            {
                onWaiting?.Invoke();
                saidWaiting = true;
            }

            cancellation.WaitHandle.WaitOne(Poll);
            cancellation.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Takes the lock at <paramref name="path"/> if nobody holds it.</summary>
    public static StoreLock? TryAcquire(string path)
    {
        try
        {
            return new StoreLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();
}

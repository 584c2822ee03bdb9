using System.Diagnostics;
using Qllm.Cache;

namespace Qllm.Cache.Tests;

public sealed class StoreLockTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TemporaryFolder _folder = new();

    private string LockPath => _folder.File("key.lock");

    [Fact]
    public void TryAcquire_fails_while_held_and_succeeds_after_dispose()
    {
        var held = StoreLock.TryAcquire(LockPath);
        Assert.NotNull(held);
        Assert.Null(StoreLock.TryAcquire(LockPath));

        held.Dispose();
        using var again = StoreLock.TryAcquire(LockPath);
        Assert.NotNull(again);
    }

    [Fact]
    public void Acquire_waits_says_so_once_and_proceeds_after_the_holder_disposes()
    {
        var first = StoreLock.Acquire(LockPath, onWaiting: null, CancellationToken.None);
        var saidWaiting = 0;
        using var waiting = new ManualResetEventSlim();
        using var acquired = new ManualResetEventSlim();
        var second = new Thread(() =>
        {
            using var held = StoreLock.Acquire(LockPath, () => { Interlocked.Increment(ref saidWaiting); waiting.Set(); }, CancellationToken.None);
            acquired.Set();
        });
        second.Start();

        Assert.True(waiting.Wait(Patience));
        Assert.False(acquired.IsSet);
        first.Dispose();
        Assert.True(acquired.Wait(Patience));
        Assert.True(second.Join(Patience));
        Assert.Equal(1, saidWaiting);
    }

    [Fact]
    public void Waiting_can_be_cancelled()
    {
        using var first = StoreLock.Acquire(LockPath, onWaiting: null, CancellationToken.None);
        using var cancellation = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => StoreLock.Acquire(LockPath, cancellation.Cancel, cancellation.Token));
    }

    [Fact]
    public async Task A_lock_held_by_another_process_is_free_as_soon_as_that_process_is_killed()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(LockHolder).Assembly.Location);
        start.ArgumentList.Add(LockHolder.Command);
        start.ArgumentList.Add(LockPath);
        using var holder = Process.Start(start)!;
        try
        {
            Assert.Equal(LockHolder.Held, await holder.StandardOutput.ReadLineAsync().WaitAsync(Patience));
            Assert.Null(StoreLock.TryAcquire(LockPath));

            // SIGKILL: the holder runs no Dispose, no finally; only the operating system can release the lock.
            holder.Kill();
            await holder.WaitForExitAsync();

            // The kernel closes a dying process's files before its parent can see it exit, so no wait is needed.
            using var again = StoreLock.TryAcquire(LockPath);
            Assert.NotNull(again);
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill();
            }
        }
    }

    public void Dispose() => _folder.Dispose();
}

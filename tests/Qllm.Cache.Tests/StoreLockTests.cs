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

    public void Dispose() => _folder.Dispose();
}

using System.Globalization;

namespace Qllm.Cache.Remote;

/// <summary>
/// One call to the server under a time limit. The limit is a token linked to the caller's, so the
/// two can be told apart: the caller's cancellation stays an <see cref="OperationCanceledException"/>,
/// the limit becomes a <see cref="TimeoutException"/>. The call is also abandoned (not just asked to
/// stop) when the limit passes, because a cache client may ignore the token once a request is sent.
/// </summary>
internal static class RemoteCall
{
    /// <summary>Runs <paramref name="call"/>, giving up after <paramref name="timeout"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    /// <exception cref="TimeoutException">The call took longer than <paramref name="timeout"/>.</exception>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, TimeSpan timeout, CancellationToken cancellation)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeout);
        Task<T>? task = null;
        try
        {
            task = call(limit.Token);
            return await task.WaitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested && limit.IsCancellationRequested)
        {
            Abandon(task);
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"the server did not answer within {timeout.TotalSeconds:0.###} s"));
        }
        catch (OperationCanceledException)
        {
            Abandon(task);
            throw;
        }
    }

    /// <summary>Runs <paramref name="call"/>, giving up after <paramref name="timeout"/>.</summary>
    public static Task RunAsync(Func<CancellationToken, Task> call, TimeSpan timeout, CancellationToken cancellation) =>
        RunAsync(
            async token =>
            {
                await call(token).ConfigureAwait(false);
                return true;
            },
            timeout,
            cancellation);

    /// <summary>Observes the fault of a call left running, so it does not surface later as an unobserved task exception.</summary>
    private static void Abandon(Task? task) =>
        task?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}

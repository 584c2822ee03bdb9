using Qllm.Core.Processes;

namespace Qllm.Tool.Commands.Quantize;

/// <summary>
/// Cancels a quantize run whose build has gone (killed, or its node ended) once a second: an
/// orphaned run would go on for minutes, and its output would never be committed by anyone.
/// Cancelled runs write nothing, as after Ctrl+C. Inactive unless the build task named itself in
/// <see cref="BuildProcess.VariableName"/>.
/// </summary>
internal sealed class BuildProcessWatch : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _cancellation;
    private readonly Timer? _timer;

    public BuildProcessWatch(TextWriter error, CancellationToken outer)
    {
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(outer);
        if (Environment.GetEnvironmentVariable(BuildProcess.VariableName) is { Length: > 0 } build)
        {
            _timer = new Timer(_ => Check(build, error), null, Interval, Interval);
        }
    }

    /// <summary>Cancelled by the caller's token or when the build is gone.</summary>
    public CancellationToken Token => _cancellation.Token;

    public void Dispose()
    {
        _timer?.Dispose();
        _cancellation.Dispose();
    }

    private void Check(string build, TextWriter error)
    {
        if (_cancellation.IsCancellationRequested || BuildProcess.IsRunning(build))
        {
            return;
        }

        error.WriteLine($"qllm: the build that started this run (process {build.Split(':')[0]}) has ended; stopping without writing an artifact");
        _cancellation.Cancel();
    }
}

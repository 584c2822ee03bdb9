using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using NuGet.Common;

namespace Qllm.Build.Tasks.Packages;

/// <summary>
/// NuGet's log, as low-importance build messages (visible with -v:d). NuGet's own warnings and errors
/// stay messages too: what goes wrong with a model package is reported once, as a QLLM error on the
/// project file, with what to do about it.
/// </summary>
internal sealed class NuGetTaskLogger(TaskLoggingHelper log) : LoggerBase
{
    /// <inheritdoc/>
    public override void Log(ILogMessage message) => log.LogMessage(MessageImportance.Low, "NuGet: {0}", message.Message);

    /// <inheritdoc/>
    public override System.Threading.Tasks.Task LogAsync(ILogMessage message)
    {
        Log(message);
        return System.Threading.Tasks.Task.CompletedTask;
    }
}

using System.Text.RegularExpressions;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>What a build log says about Qllm.Build's work.</summary>
internal static class BuildLog
{
    /// <summary>The message QuantizeModel logs right before it starts the tool.</summary>
    public const string Quantizing = "Qllm: quantizing";

    /// <summary>The message QuantizeModel logs when it finds the key's lock held by another build, before it waits for it.</summary>
    public const string Waiting = "Qllm: waiting for another build that is quantizing";

    /// <summary>The message QuantizeModel logs when the local store had the artifact.</summary>
    public const string FromCache = "came from the cache";

    /// <summary>Whether the log shows the qllm tool being started (its command line, as ToolTask logs it).</summary>
    public static bool StartedTool(string log) => log.Contains("qllm.dll\" quantize", StringComparison.Ordinal) || log.Contains("qllm.dll quantize", StringComparison.Ordinal);

    /// <summary>The distinct errors of a build log (MSBuild repeats each in its summary), as (file, code).</summary>
    public static List<(string File, string Code)> Errors(string log) =>
        [.. Regex.Matches(log, @"^\s*(?:\d+>)?(?<file>\S.*?)\s?: error (?<code>[A-Z]+\d+): ", RegexOptions.Multiline)
            .Select(m => (File: m.Groups["file"].Value, Code: m.Groups["code"].Value))
            .Distinct()];

    public static void Succeeded(ProcessResult build) => Assert.True(build.ExitCode == 0, "the build failed:\n" + build.Output);
}

namespace Qllm.Build.Tasks.Tests;

/// <summary>
/// What a finished child process left: its exit code, its output (stdout and stderr interleaved, in
/// the order the two pipes happened to deliver their lines) and its standard output alone.
/// </summary>
internal sealed record ProcessResult(int ExitCode, string Output, string StandardOutput);

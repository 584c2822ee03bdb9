namespace Qllm.Build.Tasks.Tests;

/// <summary>What a finished child process left: its exit code and its output (stdout and stderr interleaved).</summary>
internal sealed record ProcessResult(int ExitCode, string Output);

namespace Qllm.Tool.CommandLine;

/// <summary>The tool's exit codes (docs/architecture.md, "The command line").</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    public const int BadCommandLine = 2;
    public const int Cancelled = 130;
}

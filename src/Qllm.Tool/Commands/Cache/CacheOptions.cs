using System.CommandLine;
using Qllm.Cache;

namespace Qllm.Tool.Commands.Cache;

/// <summary>Options every `qllm cache` subcommand accepts: which store, and whether to print JSON.</summary>
internal sealed class CacheOptions
{
    public Option<string?> CacheDir { get; } = new("--cache-dir")
    {
        Description = $"The cache folder (default ${CacheDirectory.EnvironmentVariable}, else $XDG_CACHE_HOME/qllm, else ~/.cache/qllm).",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print one JSON object.",
        Recursive = true,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(CacheDir);
        command.Options.Add(Json);
    }

    public LocalArtifactStore Store(ParseResult result) => new(CacheDirectory.Resolve(result.GetValue(CacheDir)));
}

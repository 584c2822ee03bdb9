using System.CommandLine;

namespace Qllm.Tool.Commands.Cache;

/// <summary>
/// `qllm cache ls|verify|trim|clear`: looks after the local artifact store the build fills. These
/// commands only read and delete files, so they never start TorchSharp.
/// </summary>
internal static class CacheCommand
{
    public static Command Create()
    {
        var options = new CacheOptions();
        var command = new Command("cache", "List, verify, trim or clear the local cache of quantized artifacts.");
        options.AddTo(command);
        command.Subcommands.Add(CacheListCommand.Create(options));
        command.Subcommands.Add(CacheVerifyCommand.Create(options));
        command.Subcommands.Add(CacheTrimCommand.Create(options));
        command.Subcommands.Add(CacheClearCommand.Create(options));
        return command;
    }
}

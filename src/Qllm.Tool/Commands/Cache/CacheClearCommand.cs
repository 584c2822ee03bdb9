using System.CommandLine;
using System.Text.Json;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands.Cache;

/// <summary>`qllm cache clear`: removes every entry (entries a build is writing right now stay).</summary>
internal static class CacheClearCommand
{
    public static Command Create(CacheOptions options)
    {
        var command = new Command("clear", "Remove every cached artifact.");
        command.SetAction(result =>
        {
            var store = options.Store(result);
            var removed = store.Clear();
            var stdout = result.InvocationConfiguration.Output;
            if (result.GetValue(options.Json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new CacheClearReport(store.Root, removed), ReportJson.Default.CacheClearReport));
                return ExitCodes.Success;
            }

            stdout.WriteLine($"removed {removed} {(removed == 1 ? "entry" : "entries")} from {store.Root}");
            return ExitCodes.Success;
        });
        return command;
    }
}

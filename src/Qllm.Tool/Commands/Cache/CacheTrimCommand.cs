using System.CommandLine;
using System.Text.Json;
using Qllm.Cache;
using Qllm.Core.Errors;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands.Cache;

/// <summary>`qllm cache trim --max-size SIZE`: removes least recently used entries until the store fits.</summary>
internal static class CacheTrimCommand
{
    public static Command Create(CacheOptions options)
    {
        var maxSize = new Option<string>("--max-size") { Description = "The most the cache may hold afterwards: bytes, or a number with a unit (500MB, 1.5G, 2GiB).", Required = true };
        var command = new Command("trim", "Remove least recently used artifacts until the cache fits a size.") { maxSize };
        command.SetAction(result =>
        {
            var text = result.GetValue(maxSize)!;
            if (!ByteSize.TryParse(text, out var bytes))
            {
                throw new QllmException(ErrorCodes.BadCacheRequest, null, $"--max-size '{text}' is not a size", "give bytes or a number with a unit, for example 500MB, 1.5G or 2GiB");
            }

            var store = options.Store(result);
            var removed = store.Trim(bytes);
            var left = store.List();
            var total = left.Sum(e => e.Manifest.Bytes);
            var stdout = result.InvocationConfiguration.Output;
            if (result.GetValue(options.Json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new CacheTrimReport(store.Root, [.. removed.Select(e => e.Manifest.Key)], total), ReportJson.Default.CacheTrimReport));
                return ExitCodes.Success;
            }

            foreach (var entry in removed)
            {
                stdout.WriteLine($"removed {CacheListCommand.ShortKey(entry.Manifest.Key)}  {ByteSize.Format(entry.Manifest.Bytes),9}  {entry.Manifest.Model}");
            }

            stdout.WriteLine($"{left.Count} {(left.Count == 1 ? "entry" : "entries")}, {ByteSize.Format(total)} left in {store.Root}");
            return ExitCodes.Success;
        });
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Qllm.Cache;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands.Cache;

/// <summary>`qllm cache ls`: every entry, most recently used first, and the total.</summary>
internal static class CacheListCommand
{
    /// <summary>How many hex digits of a key people need to tell entries apart (as git shortens commits).</summary>
    public const int ShortKeyLength = 12;

    public static Command Create(CacheOptions options)
    {
        var command = new Command("ls", "List the cached artifacts, most recently used first.");
        command.SetAction(result =>
        {
            var store = options.Store(result);
            var entries = store.List();
            var total = entries.Sum(e => e.Manifest.Bytes);
            var stdout = result.InvocationConfiguration.Output;
            if (result.GetValue(options.Json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new CacheListReport(store.Root, [.. entries.Select(CacheListItem.From)], total), ReportJson.Default.CacheListReport));
                return ExitCodes.Success;
            }

            foreach (var entry in entries)
            {
                stdout.WriteLine($"{ShortKey(entry.Manifest.Key)}  {ByteSize.Format(entry.Manifest.Bytes),9}  {Minute(entry.LastUsedUtc)}  {entry.Manifest.Model}");
            }

            stdout.WriteLine($"{entries.Count} {(entries.Count == 1 ? "entry" : "entries")}, {ByteSize.Format(total)} in {store.Root}");
            return ExitCodes.Success;
        });
        return command;
    }

    public static string ShortKey(string key) => key.Length > ShortKeyLength ? key[..ShortKeyLength] : key;

    private static string Minute(DateTime utc) => utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);
}

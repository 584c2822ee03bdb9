using System.CommandLine;
using System.Text.Json;
using Qllm.Core.Errors;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Commands.Cache;

/// <summary>
/// `qllm cache verify`: checks every entry's digest and removes the bad ones. Removing them
/// repairs the store, so it exits 0 either way; the next build quantizes those models again.
/// </summary>
internal static class CacheVerifyCommand
{
    public static Command Create(CacheOptions options)
    {
        var command = new Command("verify", "Check every cached artifact's SHA-256; remove the corrupt or truncated ones.");
        command.SetAction(result =>
        {
            var store = options.Store(result);
            var removed = store.Verify().Select(bad => new CacheVerifyProblem(bad.Folder, bad.Problem)).ToList();

            // What is left passed (or is being written by a build right now, which verify leaves alone).
            var verified = store.List().Count;
            var stdout = result.InvocationConfiguration.Output;
            if (result.GetValue(options.Json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(new CacheVerifyReport(store.Root, verified, removed), ReportJson.Default.CacheVerifyReport));
                return ExitCodes.Success;
            }

            // Coded warnings, canonical and unprefixed on stderr like quantize's, so that CI logs and a
            // build's ToolTask pick them up; removing the entry was the repair, so the exit stays 0.
            var stderr = result.InvocationConfiguration.Error;
            foreach (var bad in removed)
            {
                stderr.WriteLine(new QllmWarning(bad.Folder, ErrorCodes.CacheEntryCorrupt, $"removed the corrupt cache entry: {bad.Problem}; the next build that needs it quantizes the model again").ToCanonicalString());
            }

            stdout.WriteLine($"{verified} {(verified == 1 ? "entry" : "entries")} verified, {removed.Count} removed");
            return ExitCodes.Success;
        });
        return command;
    }
}

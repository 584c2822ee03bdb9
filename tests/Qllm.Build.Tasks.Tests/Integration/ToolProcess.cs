using System.Diagnostics;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>Finds the qllm process a test's build started.</summary>
internal static class ToolProcess
{
    /// <summary>The `qllm.dll quantize` process whose command line names <paramref name="cacheFolder"/> (its output goes to the store's staging folder).</summary>
    public static Process WaitFor(string cacheFolder)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            foreach (var folder in Directory.GetDirectories("/proc"))
            {
                string text;
                try
                {
                    text = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }

                if (text.Contains("qllm.dll quantize", StringComparison.Ordinal) && text.Contains(cacheFolder, StringComparison.Ordinal)
                    && int.TryParse(Path.GetFileName(folder), out var id))
                {
                    return Process.GetProcessById(id);
                }
            }

            Thread.Sleep(100);
        }

        Assert.Fail("the build never started the qllm tool");
        return null!;
    }
}

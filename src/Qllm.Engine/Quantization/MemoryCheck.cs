using System.Globalization;
using Qllm.Core.Errors;

namespace Qllm.Engine.Quantization;

/// <summary>
/// Refuses a run that the machine cannot hold before it starts: a process killed for memory leaves
/// the user with no artifact and no reason. Set QLLM_MEMORY_CHECK=0 to run anyway.
/// </summary>
internal static class MemoryCheck
{
    /// <summary>The environment variable that turns the check off ("0").</summary>
    public const string Switch = "QLLM_MEMORY_CHECK";

    /// <summary>Throws QLLM3008 when <paramref name="neededBytes"/> more than this process holds now exceed what is available.</summary>
    /// <param name="neededBytes">The run's estimated peak (<c>MemoryEstimate.Bytes</c>).</param>
    /// <param name="heldBytes">What the process already holds of that estimate (the loaded model).</param>
    /// <param name="modelPath">The model, named in the error.</param>
    public static void Require(long neededBytes, long heldBytes, string modelPath)
    {
        if (Environment.GetEnvironmentVariable(Switch) == "0")
        {
            return;
        }

        long available = AvailableBytes();
        long more = neededBytes - heldBytes;
        if (more > available)
        {
            throw new QllmException(
                ErrorCodes.NotEnoughMemory,
                modelPath,
                string.Create(CultureInfo.InvariantCulture, $"quantizing this model with this recipe is estimated to need {Gib(neededBytes)} GiB of memory at its peak, {Gib(more)} GiB more than this process holds, but only {Gib(available)} GiB are available"),
                $"free memory, use fewer --samples, use a recipe that reads no calibration text (--method rtn --weight-rounding nearest), or set {Switch}=0 to run anyway");
        }
    }

    /// <summary>
    /// Free memory as the kernel counts it (MemAvailable: free plus reclaimable cache), or the
    /// limit the runtime sees (a container's, or DOTNET_GCHeapHardLimit) where that is lower.
    /// </summary>
    public static long AvailableBytes()
    {
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return Math.Min(limit, MemAvailable() ?? limit);
    }

    private static long? MemAvailable()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                // "MemAvailable:   23197424 kB"
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture);
}

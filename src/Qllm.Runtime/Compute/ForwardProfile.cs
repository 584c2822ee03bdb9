using System.Diagnostics;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Where the forward pass spends its time, for the runtime's benchmark: wall time per stage,
/// accumulated while <see cref="Enabled"/> (off by default; then each stage costs one branch).
/// </summary>
internal static class ForwardProfile
{
    private static readonly long[] Ticks = new long[Enum.GetValues<ForwardStage>().Length];

    public static bool Enabled { get; set; }

    public static long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    public static void Stop(ForwardStage stage, long started)
    {
        if (Enabled)
        {
            Interlocked.Add(ref Ticks[(int)stage], Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>Seconds per stage since the last reset.</summary>
    public static IReadOnlyDictionary<ForwardStage, double> Seconds() =>
        Enum.GetValues<ForwardStage>().ToDictionary(stage => stage, stage => (double)Interlocked.Read(ref Ticks[(int)stage]) / Stopwatch.Frequency);

    public static void Reset() => Array.Clear(Ticks);
}

using System.Diagnostics;
using Qllm.Core.Processes;

namespace Qllm.Core.Tests.Processes;

public sealed class BuildProcessTests
{
    [Fact]
    public void This_process_runs_and_one_that_ended_or_a_recycled_id_does_not()
    {
        using var self = Process.GetCurrentProcess();
        var description = BuildProcess.Describe(self);
        Assert.True(BuildProcess.IsRunning(description));

        // The same id with a start time a minute off: another process that got the id later.
        var ticks = long.Parse(description.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(BuildProcess.IsRunning($"{self.Id}:{ticks + TimeSpan.TicksPerMinute}"));

        using var ended = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        var endedDescription = BuildProcess.Describe(ended);
        Assert.True(BuildProcess.IsRunning(endedDescription));
        ended.Kill();
        ended.WaitForExit();
        Assert.False(BuildProcess.IsRunning(endedDescription));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("x:y")]
    public void A_malformed_description_names_nothing_to_watch_and_counts_as_running(string description) =>
        Assert.True(BuildProcess.IsRunning(description));
}

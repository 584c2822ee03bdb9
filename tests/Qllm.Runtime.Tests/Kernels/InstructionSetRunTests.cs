using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using System.Text.RegularExpressions;

namespace Qllm.Runtime.Tests.Kernels;

/// <summary>
/// The kernels dispatch on the instruction sets of the CPU they run on, so a test run on one machine
/// checks one branch of each. These tests run the kernel tests (trait Category=Kernels) again in
/// child test processes with instruction sets switched off through the runtime's own switches, so
/// that every fallback branch runs on every machine. A run that would switch off something this
/// CPU does not have is skipped: it would repeat the run of this process.
/// </summary>
public sealed partial class InstructionSetRunTests
{
    /// <summary>
    /// The switches (comma-separated, each set to 0), and what they leave: the branch that then
    /// runs. This process itself runs the widest branch (512-bit where the CPU has AVX-512BW).
    /// </summary>
    public static TheoryData<string, string> Runs => new()
    {
        { "DOTNET_EnableAVX512", "AVX2 with VNNI, 256-bit vectors" },
        { "DOTNET_EnableAVX512,DOTNET_EnableAVXVNNI", "AVX2's vpmaddubsw instead of VNNI, 256-bit vectors" },
        { "DOTNET_EnableAVX2", "Vector128 (SSE), no FMA" },
        { "DOTNET_EnableHWIntrinsic", "scalar code and software vectors" },
    };

    [SkippableTheory]
    [MemberData(nameof(Runs))]
    public void The_kernel_tests_pass_with_an_instruction_set_switched_off(string switches, string remaining)
    {
        var names = switches.Split(',');
        Skip.IfNot(names.Any(Has), $"this CPU has nothing that {switches}=0 switches off");

        var result = RunKernelTests(names);

        var summary = Summary().Match(result.Output);
        Assert.True(result.ExitCode == 0 && summary.Success, $"{switches}=0 ({remaining}): exit {result.ExitCode}\n{result.Output}");
        Assert.Equal(0, int.Parse(summary.Groups["failed"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(int.Parse(summary.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture) > 100, result.Output);
    }

    [Fact]
    [Trait("Category", KernelPaths.Category)]
    public void A_switch_in_the_environment_is_in_effect_in_this_process()
    {
        // Runs in every child run above: proves the child really ran without the instruction set.
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.False(Avx2.IsSupported);
            Assert.False(Avx512BW.IsSupported);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVXVNNI") == "0")
        {
            Assert.False(AvxVnni.IsSupported);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.False(Avx512F.IsSupported);
            Assert.False(Avx512BW.IsSupported);
            Assert.False(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
        {
            Assert.False(System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated);
        }
    }

    private static bool Has(string switchName) => switchName switch
    {
        "DOTNET_EnableAVX512" => Avx512F.IsSupported,
        "DOTNET_EnableAVXVNNI" => AvxVnni.IsSupported,
        "DOTNET_EnableAVX2" => Avx2.IsSupported,
        _ => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated,
    };

    private static (int ExitCode, string Output) RunKernelTests(string[] switchNames)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "test", typeof(InstructionSetRunTests).Assembly.Location, "--filter", $"Category={KernelPaths.Category}" })
        {
            start.ArgumentList.Add(argument);
        }

        // The variables of the `dotnet test` this process runs under would steer the child's.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("VSTEST", StringComparison.Ordinal) || k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var switchName in switchNames)
        {
            start.Environment[switchName] = "0";
        }

        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    [GeneratedRegex(@"Failed:\s+(?<failed>\d+), Passed:\s+(?<passed>\d+)")]
    private static partial Regex Summary();
}

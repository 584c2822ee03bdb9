using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using Qllm.Cache;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>
/// The packages as users get them: `dotnet pack` into a local folder feed, then the sample built
/// from that feed with a fresh NuGet packages folder, and the tool installed through a local tool
/// manifest and run as `dotnet qllm`.
/// </summary>
[Collection(RealBuilds.Name)]
public sealed class PackageConsumptionTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);
    private readonly TemporaryFolder _work = new();

    private string Feed => Path.Combine(_work.Path, "feed");

    private string Packages => Path.Combine(_work.Path, "packages");

    [Fact]
    public void The_sample_builds_runs_and_chats_from_the_Qllm_Build_Qllm_Runtime_and_Qllm_Runtime_AI_packages()
    {
        Pack("src/Qllm.Core", "src/Qllm.Artifacts", "src/Qllm.Runtime", "src/Qllm.Runtime.AI", "src/Qllm.Build.Tasks");
        var cache = Path.Combine(_work.Path, "cache");
        var sample = Path.Combine(Repository.Root, "samples", "AppWithModel");
        var artifacts = Path.Combine(_work.Path, "artifacts");

        var build = DotnetProcess.Run(sample, Patience, "build", "-c", Repository.Configuration, "-v:n", "-nodeReuse:false", "--disable-build-servers",
            "-p:UseSharedCompilation=false", "-p:UseQllmPackages=true", $"-p:RestorePackagesPath={Packages}", $"-p:RestoreAdditionalProjectSources={Feed}",
            "--artifacts-path", artifacts, $"-p:QllmDataDir={SetupData.Directory}", $"-p:QllmCacheDir={cache}", "-p:QllmSamples=2", "-p:QllmEpochs=1");

        BuildLog.Succeeded(build);
        Assert.Contains(Path.Combine(Packages, "qllm.build"), build.Output, StringComparison.Ordinal);
        Assert.Single(new LocalArtifactStore(cache).List());
        var app = Path.Combine(artifacts, "bin", "AppWithModel", Repository.Configuration.ToLowerInvariant(), "AppWithModel.dll");
        var run = DotnetProcess.Run(sample, TimeSpan.FromMinutes(1), app, "Lily", "and", "Ben");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("Lily and Ben", run.Output, StringComparison.Ordinal);

        // The Qllm.Runtime.AI package's buildTransitive targets gave the loader LoadChatClient().
        SampleChat.Answers(sample, app);
    }

    [Fact]
    public void The_tool_package_installs_through_a_local_manifest_and_runs_as_dotnet_qllm()
    {
        Pack("src/Qllm.Tool");
        var project = Directory.CreateDirectory(Path.Combine(_work.Path, "project")).FullName;

        // A fresh packages folder and CLI home (the CLI remembers where it found a local tool, in
        // ~/.dotnet/toolResolverCache), so an earlier run's Qllm.Tool 0.1.0 cannot stand in for this one.
        var environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Packages,
            ["DOTNET_CLI_HOME"] = Directory.CreateDirectory(Path.Combine(_work.Path, "home")).FullName,
        };
        Succeeded(DotnetProcess.Run(project, Patience, environment, "new", "tool-manifest"));
        Succeeded(DotnetProcess.Run(project, Patience, environment, "tool", "install", "Qllm.Tool", "--local", "--add-source", Feed, "--version", "0.1.0"));

        // The CLI picks the package for this machine: on linux-x64 the one compiled ahead of time.
        var linux = RuntimeInformation.RuntimeIdentifier == "linux-x64";
        var installed = Path.Combine(Packages, linux ? "qllm.tool.linux-x64" : "qllm.tool.any", "0.1.0", "tools", "net10.0", linux ? "linux-x64" : "any", "qllm.dll");
        Assert.True(File.Exists(installed), installed);
        Assert.Equal(linux, IsReadyToRun(installed));

        var help = DotnetProcess.Run(project, Patience, environment, "qllm", "--help");
        Succeeded(help);
        Assert.Contains("quantize", help.Output, StringComparison.Ordinal);

        // The packed tool's own libtorch (patched for Debian 12's libstdc++) quantizes.
        var artifact = Path.Combine(_work.Path, "rtn.qllm");
        Succeeded(DotnetProcess.Run(project, Patience, environment, "qllm", "quantize", SetupData.ModelPath, "--calibration", SetupData.CalibrationPath,
            "--output", artifact, "--method", "rtn", "--samples", "1", "--device", "cpu"));
        var generate = DotnetProcess.Run(project, Patience, environment, "qllm", "generate", artifact, "--prompt", "Once upon a time", "--max-tokens", "8");
        Succeeded(generate);
        // stdout alone: the text; the speed line goes to stderr, whose pipe may deliver it first.
        Assert.StartsWith("Once upon a time", generate.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Dispose();

    private void Pack(params string[] projects)
    {
        foreach (var project in projects)
        {
            Succeeded(DotnetProcess.Run(Repository.Root, Patience, "pack", Path.Combine(Repository.Root, project), "-c", Repository.Configuration, "-o", Feed,
                "-nodeReuse:false", "--disable-build-servers", "-p:UseSharedCompilation=false"));
        }
    }

    // A ReadyToRun image carries a managed native header beside its IL.
    private static bool IsReadyToRun(string assembly)
    {
        using var reader = new PEReader(File.OpenRead(assembly));
        return reader.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }

    private static void Succeeded(ProcessResult result) => Assert.True(result.ExitCode == 0, result.Output);
}

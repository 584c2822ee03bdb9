using System.Security;
using Qllm.Cache;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>
/// samples/AppWithModel from source, as the README's command builds it, with a private cache and
/// small settings: in a temporary copy (its own obj/ and bin/), so that what the developer's
/// samples/AppWithModel/obj holds (an artifact already in place quantizes nothing) cannot decide
/// the result, and the test leaves the working tree's sample alone.
/// </summary>
[Collection(RealBuilds.Name)]
public sealed class SampleAppTests : IDisposable
{
    private readonly TemporaryFolder _cache = new();
    private readonly TemporaryFolder _copy = new();

    [Fact]
    public void The_sample_builds_with_its_model_prints_the_prompt_and_a_continuation_and_chats()
    {
        var sample = CopySample();
        Assert.False(Directory.Exists(Path.Combine(sample, "obj")));

        var build = DotnetProcess.Run(sample, TimeSpan.FromMinutes(10), "build", "-c", Repository.Configuration, "-v:n", "-nodeReuse:false", "--disable-build-servers",
            "-p:UseSharedCompilation=false", $"-p:QllmDataDir={SetupData.Directory}", $"-p:QllmCacheDir={_cache.Path}", "-p:QllmSamples=2", "-p:QllmEpochs=1");
        BuildLog.Succeeded(build);

        // A fresh obj/ and an empty store: the model is quantized exactly once, into the store.
        Assert.Equal(1, Occurrences(build.Output, BuildLog.Quantizing));
        Assert.True(BuildLog.StartedTool(build.Output), "the build did not start the tool");
        Assert.Single(new LocalArtifactStore(_cache.Path).List());

        var run = DotnetProcess.Run(sample, TimeSpan.FromMinutes(1), Path.Combine(sample, "bin", Repository.Configuration, "net10.0", "AppWithModel.dll"), "Lily", "and", "Ben");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("Lily and Ben", run.Output, StringComparison.Ordinal);
        Assert.True(run.Output.Length > "Lily and Ben".Length + 20, run.Output);

        SampleChat.Answers(sample, Path.Combine(sample, "bin", Repository.Configuration, "net10.0", "AppWithModel.dll"));
    }

    public void Dispose()
    {
        _copy.Dispose();
        _cache.Dispose();
    }

    private static int Occurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// Copies the sample's sources (not its obj/ or bin/) beside files that import what its place
    /// in the repository gives it: samples/Directory.Build.*, the central package versions and the
    /// SDK pin; its project references, relative to samples/AppWithModel, become absolute.
    /// </summary>
    private string CopySample()
    {
        var samples = Path.Combine(Repository.Root, "samples");
        var source = Path.Combine(samples, "AppWithModel");
        var sample = Directory.CreateDirectory(Path.Combine(_copy.Path, "AppWithModel")).FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "obj" or "bin")
            {
                continue;
            }

            var destination = Path.Combine(sample, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        var project = Path.Combine(sample, "AppWithModel.csproj");
        var text = File.ReadAllText(project);
        Assert.Contains("\"../../src/", text, StringComparison.Ordinal);
        File.WriteAllText(project, text.Replace("\"../../src/", $"\"{SecurityElement.Escape(Path.Combine(Repository.Root, "src"))}/", StringComparison.Ordinal));
        foreach (var (name, imported) in new[] { ("Directory.Build.props", samples), ("Directory.Build.targets", samples), ("Directory.Packages.props", Repository.Root) })
        {
            File.WriteAllText(Path.Combine(_copy.Path, name), $"""<Project><Import Project="{SecurityElement.Escape(Path.Combine(imported, name))}" /></Project>""");
        }

        File.Copy(Path.Combine(Repository.Root, "global.json"), Path.Combine(_copy.Path, "global.json"));
        return sample;
    }
}

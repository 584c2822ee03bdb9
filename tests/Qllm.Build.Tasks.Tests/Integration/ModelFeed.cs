using System.Security.Cryptography;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>
/// An internal feed holding one model package, made the way a team would: stories15M converted to a
/// Hugging Face folder by the real tool (`qllm convert --dtype f16`), packed by `qllm pack-model`
/// into a local folder feed as Test.Stories15M 1.0.0. Made once for a test class.
/// </summary>
public sealed class ModelFeed : IDisposable
{
    public const string PackageId = "Test.Stories15M";

    public const string Version = "1.0.0";

    private readonly TemporaryFolder _folder = new();

    public ModelFeed()
    {
        var model = Path.Combine(_folder.Path, "hf");
        Tool("convert", SetupData.ModelPath, "--output", model, "--dtype", "f16");
        var packed = Tool("pack-model", model, "--id", PackageId, "--version", Version, "--output", FeedFolder, "--license", "MIT").Trim();
        PackagePath = Path.Combine(FeedFolder, $"{PackageId}.{Version}.nupkg");
        Assert.Equal(PackagePath, packed);
        Sha512 = Convert.ToBase64String(SHA512.HashData(File.ReadAllBytes(PackagePath)));
    }

    /// <summary>The feed: a folder of .nupkg files.</summary>
    public string FeedFolder => Path.Combine(_folder.Path, "feed");

    /// <summary>The package in the feed.</summary>
    public string PackagePath { get; }

    /// <summary>The package's SHA-512, base64, as NuGet records it.</summary>
    public string Sha512 { get; }

    /// <summary>
    /// A NuGet.Config for a project that uses this feed as a team's internal feed: the user's own
    /// sources stay (the fixture restores Microsoft.ML.Tokenizers from them) and this one is added.
    /// </summary>
    public string NuGetConfig => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="models" value="{System.Security.SecurityElement.Escape(FeedFolder)}" />
          </packageSources>
        </configuration>
        """;

    public void Dispose() => _folder.Dispose();

    private static string Tool(params string[] arguments)
    {
        var result = DotnetProcess.Run(Repository.Root, TimeSpan.FromMinutes(5), [Repository.ToolAssembly, .. arguments]);
        Assert.True(result.ExitCode == 0, $"qllm {arguments[0]} failed:\n{result.Output}");
        return result.Output;
    }
}

using NuGet.Packaging;
using NuGet.Versioning;

namespace Qllm.Build.Tasks.Tests.Packages;

/// <summary>A local folder feed (a folder of .nupkg files, as `dotnet nuget push` to a path makes) holding small model packages built with NuGet's PackageBuilder.</summary>
internal sealed class FolderFeed : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public string Path => _folder.Path;

    /// <summary>Packs a package whose <paramref name="folder"/> holds a config.json and a small weights file; returns the .nupkg.</summary>
    public string Pack(string id, string version, string folder = "model")
    {
        using var content = new TemporaryFolder();
        File.WriteAllText(content.File("config.json"), """{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}""");
        File.WriteAllBytes(content.File("model.safetensors"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]);
        var builder = new PackageBuilder { Id = id, Version = NuGetVersion.Parse(version), Description = "a test model" };
        builder.Authors.Add("tests");
        foreach (var file in Directory.GetFiles(content.Path))
        {
            builder.Files.Add(new PhysicalPackageFile { SourcePath = file, TargetPath = $"{folder}/{System.IO.Path.GetFileName(file)}" });
        }

        var nupkg = System.IO.Path.Combine(Path, $"{id}.{version}.nupkg");
        using (var stream = File.Create(nupkg))
        {
            builder.Save(stream);
        }

        return nupkg;
    }

    public void Dispose() => _folder.Dispose();
}

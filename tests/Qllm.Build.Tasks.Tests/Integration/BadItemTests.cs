using System.Text.RegularExpressions;
using Qllm.Cache;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>Each bad QuantizedModel item is one MSBuild error with a QLLM1xxx code on the project file, before any quantization.</summary>
[Collection(RealBuilds.Name)]
public sealed class BadItemTests : IDisposable
{
    private readonly TemporaryFolder _cache = new();

    public static TheoryData<string, string> BadItems => new()
    {
        { """<QuantizedModel Include="$(QllmDataDir)/no-such-model.bin" />""", "QLLM1001" },
        { """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Preset="W3A3" />""", "QLLM1002" },
        { """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Bits="9" ActivationBits="4" />""", "QLLM1003" },
        { """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Calibration="missing.txt" />""", "QLLM1004" },
        { """<QuantizedModel Include="not-llama.bin" />""", "QLLM1005" },
        { """<QuantizedModel Include="gpt2" />""", "QLLM1005" },
        { """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" /><QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Seed="1" />""", "QLLM1006" },
        { """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Samples="many" />""", "QLLM1007" },
        { """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Rotation="givens" />""", "QLLM1007" },
    };

    [Theory]
    [MemberData(nameof(BadItems))]
    public void A_bad_item_is_one_coded_error_on_the_project_file_and_nothing_is_quantized(string items, string code)
    {
        using var project = new FixtureProject(_cache.Path, items);
        File.WriteAllBytes(Path.Combine(project.Folder, "not-llama.bin"), [.. Enumerable.Range(0, 4096).Select(i => (byte)i)]);
        Directory.CreateDirectory(Path.Combine(project.Folder, "gpt2"));
        File.WriteAllText(Path.Combine(project.Folder, "gpt2", "config.json"), """{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}""");

        var build = project.Build();

        Assert.NotEqual(0, build.ExitCode);
        var errors = Regex.Matches(build.Output, @"^\s*(?:\d+>)?(?<file>\S.*?)\s?: error (?<code>[A-Z]+\d+): ", RegexOptions.Multiline)
            .Select(m => (File: m.Groups["file"].Value, Code: m.Groups["code"].Value))
            .Distinct()
            .ToList();
        var error = Assert.Single(errors);
        Assert.Equal(code, error.Code);
        Assert.Equal(project.ProjectPath, error.File);
        Assert.False(BuildLog.StartedTool(build.Output));
        Assert.Empty(new LocalArtifactStore(_cache.Path).List());
        Assert.False(File.Exists(project.LoaderPath));
    }

    public void Dispose() => _cache.Dispose();
}

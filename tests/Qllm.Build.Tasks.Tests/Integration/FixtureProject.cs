using System.Security;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>
/// A real console project in a temporary folder that imports Qllm.Build's props and targets from
/// this repository, with a private artifact cache, built and run with the real `dotnet`.
/// </summary>
internal sealed class FixtureProject : IDisposable
{
    /// <summary>Fast, real settings: RTN quantization needs one calibration sample and no training.</summary>
    public const string FastItem = """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Method="rtn" Rotation="none" WeightRounding="nearest" Samples="1" />""";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);
    private readonly TemporaryFolder _folder = new();
    private readonly IReadOnlyDictionary<string, string>? _environment;

    /// <param name="cacheDirectory">The artifact cache.</param>
    /// <param name="items">The QuantizedModel items.</param>
    /// <param name="program">Program.cs.</param>
    /// <param name="name">The project's name.</param>
    /// <param name="environment">Variables added to the environment of every `dotnet` the fixture runs (such as NUGET_PACKAGES).</param>
    public FixtureProject(string cacheDirectory, string items = FastItem, string program = DefaultProgram, string name = "Fixture", IReadOnlyDictionary<string, string>? environment = null)
    {
        CacheDirectory = cacheDirectory;
        _environment = environment;
        Name = name;
        ProjectPath = Path.Combine(_folder.Path, name + ".csproj");
        WriteProject(items);
        File.WriteAllText(Path.Combine(_folder.Path, "Program.cs"), program);
    }

    /// <summary>A program that prints a greedy continuation of "Once upon a time" from the generated loader.</summary>
    public const string DefaultProgram = """
        using Qllm.Runtime;
        using var model = Fixture.QuantizedModels.Stories15M.Load();
        Console.WriteLine(model.Generate("Once upon a time", new GenerationOptions(MaxTokens: 12)).Text);
        """;

    public string Name { get; }

    public string Folder => _folder.Path;

    public string ProjectPath { get; }

    public string CacheDirectory { get; }

    public string IntermediateFolder => Path.Combine(Folder, "obj", Repository.Configuration, "net10.0");

    public string OutputFolder => Path.Combine(Folder, "bin", Repository.Configuration, "net10.0");

    public string LoaderPath => Path.Combine(IntermediateFolder, "QuantizedModels.g.cs");

    public string ArtifactPath(string className = "Stories15M") => Path.Combine(IntermediateFolder, "qllm", $"Fixture.{className}.qllm");

    /// <summary>Replaces the project's QuantizedModel items, and what follows the import of Qllm.Build.targets (<paramref name="afterTargets"/>, such as targets that hook it).</summary>
    public void WriteProject(string items, string afterTargets = "")
    {
        var runtime = SecurityElement.Escape(Repository.RuntimeAssembly);
        var core = SecurityElement.Escape(Repository.CoreAssembly);
        File.WriteAllText(ProjectPath, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{Repository.BuildFolder}/Qllm.Build.props" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <RootNamespace>Fixture</RootNamespace>
                <QllmTasksAssembly>{Repository.TasksAssembly}</QllmTasksAssembly>
                <QllmToolAssembly>{Repository.ToolAssembly}</QllmToolAssembly>
                <QllmCacheDir>{CacheDirectory}</QllmCacheDir>
                <QllmDataDir>{SetupData.Directory}</QllmDataDir>
                <QllmDevice>cpu</QllmDevice>
              </PropertyGroup>
              <ItemGroup>
                {items}
              </ItemGroup>
              <ItemGroup>
                <Reference Include="{runtime}" />
                <Reference Include="{core}" />
                <PackageReference Include="Microsoft.ML.Tokenizers" Version="2.0.1" />
              </ItemGroup>
              <Import Project="{Repository.BuildFolder}/Qllm.Build.targets" />
              {afterTargets}
            </Project>
            """);
    }

    /// <summary>`dotnet build` at normal verbosity (the tool's command line and the Qllm messages show).</summary>
    public ProcessResult Build(params string[] extra) => DotnetProcess.Run(Folder, BuildTimeout, _environment, [.. BuildArguments("build"), .. extra]);

    /// <summary>Starts `dotnet build` without waiting.</summary>
    public RunningProcess StartBuild() => DotnetProcess.Start(Folder, _environment, BuildArguments("build"));

    /// <summary>`dotnet clean`.</summary>
    public ProcessResult Clean() => DotnetProcess.Run(Folder, BuildTimeout, _environment, BuildArguments("clean"));

    /// <summary>Runs the built app.</summary>
    public ProcessResult Run() => DotnetProcess.Run(Folder, TimeSpan.FromMinutes(1), _environment, Path.Combine(OutputFolder, Name + ".dll"));

    public void Dispose() => _folder.Dispose();

    /// <summary>The arguments of `dotnet VERB` on this project: normal verbosity, no node reuse, no build servers (they would outlive the test).</summary>
    public string[] BuildArguments(string verb) =>
        [verb, ProjectPath, "-c", Repository.Configuration, "-v:n", "-nodeReuse:false", "--disable-build-servers", "-p:UseSharedCompilation=false"];
}

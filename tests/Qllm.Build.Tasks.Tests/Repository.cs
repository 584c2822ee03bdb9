using System.Reflection;

namespace Qllm.Build.Tasks.Tests;

/// <summary>Where the repository's build outputs are: the task assembly, the tool and the runtime the fixture projects use.</summary>
internal static class Repository
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    public static string Configuration { get; } = Metadata("Configuration");

    public static string TasksAssembly => Output("Qllm.Build.Tasks", "Qllm.Build.Tasks.dll");

    public static string ToolAssembly => Output("Qllm.Tool", "qllm.dll");

    public static string RuntimeAssembly => Output("Qllm.Runtime", "Qllm.Runtime.dll");

    public static string CoreAssembly => Output("Qllm.Runtime", "Qllm.Core.dll");

    public static string BuildFolder => Path.Combine(Root, "src", "Qllm.Build.Tasks", "build");

    private static string Output(string project, string file) => Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", file);

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

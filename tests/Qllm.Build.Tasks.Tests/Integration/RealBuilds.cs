namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>Real builds run one at a time: each uses both cores of the machine, and some measure what others must not disturb.</summary>
[CollectionDefinition(Name)]
public sealed class RealBuilds
{
    public const string Name = "dotnet build";
}

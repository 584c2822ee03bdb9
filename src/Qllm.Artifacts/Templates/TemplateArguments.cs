namespace Qllm.Artifacts.Templates;

/// <summary>The positional and keyword arguments of a call, filter or test.</summary>
internal sealed class TemplateArguments(IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named, string source)
{
    public static IReadOnlyDictionary<string, object?> NoNames { get; } = new Dictionary<string, object?>();

    public IReadOnlyList<object?> Positional { get; } = positional;

    public IReadOnlyDictionary<string, object?> Named { get; } = named;

    public string Source { get; } = source;

    /// <summary>The argument at <paramref name="index"/> or named <paramref name="name"/>, else <paramref name="absent"/>.</summary>
    public object? Get(int index, string name, object? absent = null) =>
        index < Positional.Count ? Positional[index] : Named.TryGetValue(name, out var value) ? value : absent;
}

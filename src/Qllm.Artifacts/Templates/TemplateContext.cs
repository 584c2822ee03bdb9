using System.Text;

namespace Qllm.Artifacts.Templates;

/// <summary>The state of one rendering: the output, the variable scopes and a pending break or continue.</summary>
internal sealed class TemplateContext(IReadOnlyDictionary<string, object?> globals, string source)
{
    private readonly List<Dictionary<string, object?>> _scopes = [new Dictionary<string, object?>(globals, StringComparer.Ordinal)];

    public StringBuilder Output { get; } = new();

    public string Source { get; } = source;

    /// <summary>"break" or "continue" while one unwinds to its loop, else null.</summary>
    public string? LoopControl { get; set; }

    public object? Lookup(string name)
    {
        for (int i = _scopes.Count - 1; i >= 0; i--)
        {
            if (_scopes[i].TryGetValue(name, out var value))
            {
                return value;
            }
        }

        return TemplateUndefined.Value;
    }

    public void Assign(string name, object? value) => _scopes[^1][name] = value;

    /// <summary>A loop body's scope: what it sets is gone when the iteration ends, as in Jinja.</summary>
    public void Push() => _scopes.Add(new Dictionary<string, object?>(StringComparer.Ordinal));

    public void Pop() => _scopes.RemoveAt(_scopes.Count - 1);
}

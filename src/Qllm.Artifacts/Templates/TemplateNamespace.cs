namespace Qllm.Artifacts.Templates;

/// <summary>
/// What <c>namespace(...)</c> makes: attributes that <c>{% set ns.x = ... %}</c> can change from
/// inside a loop (Jinja's loop bodies have their own scope, so a plain <c>set</c> does not leak out).
/// </summary>
internal sealed class TemplateNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

namespace Qllm.Artifacts.Templates;

/// <summary>Jinja's undefined: a missing variable, key or attribute. Renders as nothing, is false.</summary>
internal sealed class TemplateUndefined
{
    public static TemplateUndefined Value { get; } = new();

    private TemplateUndefined()
    {
    }

    public override string ToString() => string.Empty;
}

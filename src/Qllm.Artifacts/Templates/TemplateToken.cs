namespace Qllm.Artifacts.Templates;

/// <summary>One token of a Jinja template, with its offset in the (preprocessed) template for errors.</summary>
internal readonly record struct TemplateToken(TemplateTokenKind Kind, string Value, int Offset)
{
    public bool Is(TemplateTokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsName(string value) => Is(TemplateTokenKind.Name, value);

    public bool IsOperator(string value) => Is(TemplateTokenKind.Operator, value);
}

namespace Qllm.Artifacts.Templates;

/// <summary>The kinds of token of a Jinja template.</summary>
internal enum TemplateTokenKind
{
    Text,
    ExpressionOpen,
    ExpressionClose,
    StatementOpen,
    StatementClose,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

namespace Qllm.Artifacts.Templates;

/// <summary>A callable value of a template (a global such as <c>namespace</c>, or a bound string method).</summary>
internal delegate object? TemplateFunction(TemplateArguments arguments);

using Qllm.Core.Errors;

namespace Qllm.Artifacts.Templates;

/// <summary>The one error of chat templates: the template cannot be rendered, or it refused the conversation.</summary>
internal static class TemplateError
{
    public static QllmException Unsupported(string source, string what) =>
        new(ErrorCodes.BadChatTemplate, source, $"the chat template cannot be rendered: {what}", "use a model whose tokenizer_config.json has a template in the supported Jinja subset (see the README, Chat), or give the prompt as text to Generate");

    public static QllmException Raised(string source, string message) =>
        new(ErrorCodes.BadChatTemplate, source, $"the chat template refused the conversation: {message}", "change the messages as the template asks (for example alternate user and assistant turns)");
}

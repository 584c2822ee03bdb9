namespace Qllm.Core.Errors;

/// <summary>A problem the run worked around: it goes on, and the user hears what was done and how to avoid it.</summary>
/// <param name="File">The file concerned.</param>
/// <param name="Code">A QLLMnnnn code from <see cref="ErrorCodes"/>.</param>
/// <param name="Message">What happened and what was done instead.</param>
public sealed record QllmWarning(string File, string Code, string Message)
{
    /// <summary>MSBuild's canonical form, <c>FILE: warning CODE: message</c>, which a ToolTask turns into a build warning.</summary>
    public string ToCanonicalString() => $"{File}: warning {Code}: {Message}";
}

namespace Qllm.Core.Errors;

/// <summary>
/// An error the user can act on: a code (QLLMnnnn), the file it concerns, what is wrong and what to do.
/// Rendered in MSBuild's canonical form so that build logs, CI and IDEs pick it up.
/// </summary>
public sealed class QllmException : Exception
{
    /// <summary>Creates an error.</summary>
    /// <param name="code">The error code, for example <c>QLLM2002</c>.</param>
    /// <param name="file">The file or folder the error concerns, or null when none does.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="fix">What the user should do about it.</param>
    /// <param name="inner">The exception that revealed the problem, if any.</param>
    public QllmException(string code, string? file, string problem, string fix, Exception? inner = null)
        : base($"{problem}; {fix}", inner)
    {
        Code = code;
        File = file;
        Problem = problem;
        Fix = fix;
    }

    /// <summary>The error code, for example <c>QLLM2002</c>.</summary>
    public string Code { get; }

    /// <summary>The file or folder the error concerns, or null.</summary>
    public string? File { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }

    /// <summary>What to do about it.</summary>
    public string Fix { get; }

    /// <summary>The canonical one-line form: <c>FILE: error CODE: problem; fix</c>.</summary>
    public string ToCanonicalString() => $"{File ?? "qllm"}: error {Code}: {Problem}; {Fix}";
}

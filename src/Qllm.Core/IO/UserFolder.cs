namespace Qllm.Core.IO;

/// <summary>Where a per-user folder of the tool lives (the data folder, the cache), by one rule for all of them.</summary>
public static class UserFolder
{
    /// <summary>
    /// <paramref name="option"/> when given, else <c>$variable</c>, else <c>$xdgVariable/qllm</c> when
    /// that is an absolute path (the XDG base directory spec says a relative one must be ignored),
    /// else <c>~/homeFallback/qllm</c>. Empty values count as not given.
    /// </summary>
    /// <returns>An absolute path; the folder may not exist yet.</returns>
    public static string Resolve(string? option, string variable, string xdgVariable, string homeFallback, Func<string, string?> environment, string home)
    {
        if (!string.IsNullOrEmpty(option))
        {
            return Path.GetFullPath(option);
        }

        if (environment(variable) is { Length: > 0 } fromEnvironment)
        {
            return Path.GetFullPath(fromEnvironment);
        }

        if (environment(xdgVariable) is { Length: > 0 } xdg && Path.IsPathFullyQualified(xdg))
        {
            return Path.Combine(xdg, "qllm");
        }

        return Path.Combine(home, homeFallback, "qllm");
    }
}

namespace Qllm.Setup;

/// <summary>
/// Where <c>qllm setup</c> puts the model, its tokenizer and the texts, and where the other
/// commands and the build look for them.
/// </summary>
public static class DataDirectory
{
    /// <summary>The environment variable that names the data folder when no option does.</summary>
    public const string EnvironmentVariable = "QLLM_DATA_DIR";

    /// <summary>
    /// Resolves the data folder: <paramref name="option"/> when given, else <c>$QLLM_DATA_DIR</c>,
    /// else <c>$XDG_DATA_HOME/qllm</c> when XDG_DATA_HOME is an absolute path, else
    /// <c>~/.local/share/qllm</c>. Empty values count as not given.
    /// </summary>
    /// <param name="option">The <c>--data-dir</c> option, or null.</param>
    /// <returns>An absolute path; the folder may not exist yet.</returns>
    public static string Resolve(string? option) =>
        Resolve(option, Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>The same resolution with the environment and home folder given, so tests need not change the process's environment.</summary>
    internal static string Resolve(string? option, Func<string, string?> environment, string home) =>
        Qllm.Core.IO.UserFolder.Resolve(option, EnvironmentVariable, "XDG_DATA_HOME", Path.Combine(".local", "share"), environment, home);
}

namespace Qllm.Cache;

/// <summary>Where the local artifact store lives.</summary>
internal static class CacheDirectory
{
    /// <summary>The environment variable that names the store's folder when no option or property does.</summary>
    public const string EnvironmentVariable = "QLLM_CACHE_DIR";

    /// <summary>
    /// <paramref name="option"/> (the <c>--cache-dir</c> option or the <c>QllmCacheDir</c> property)
    /// when given, else <c>$QLLM_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/qllm</c> when that is an
    /// absolute path, else <c>~/.cache/qllm</c>. Empty values count as not given.
    /// </summary>
    public static string Resolve(string? option) =>
        Resolve(option, Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>The same resolution with the environment and home folder given, for tests.</summary>
    public static string Resolve(string? option, Func<string, string?> environment, string home) =>
        Qllm.Core.IO.UserFolder.Resolve(option, EnvironmentVariable, "XDG_CACHE_HOME", ".cache", environment, home);
}

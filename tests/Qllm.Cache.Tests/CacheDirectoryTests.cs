using Qllm.Cache;

namespace Qllm.Cache.Tests;

public sealed class CacheDirectoryTests
{
    private static readonly string Root = Path.GetTempPath();
    private static readonly string Home = Path.Combine(Root, "home");
    private static readonly string FromOption = Path.Combine(Root, "option");
    private static readonly string FromVariable = Path.Combine(Root, "variable");
    private static readonly string Xdg = Path.Combine(Root, "xdg");

    [Fact]
    public void The_option_wins_over_the_environment()
    {
        Assert.Equal(FromOption, CacheDirectory.Resolve(FromOption, Environment(("QLLM_CACHE_DIR", FromVariable)), Home));
    }

    [Fact]
    public void QLLM_CACHE_DIR_wins_over_XDG_CACHE_HOME()
    {
        Assert.Equal(FromVariable, CacheDirectory.Resolve(null, Environment(("QLLM_CACHE_DIR", FromVariable), ("XDG_CACHE_HOME", Xdg)), Home));
    }

    [Fact]
    public void Empty_values_count_as_not_given()
    {
        Assert.Equal(Path.Combine(Xdg, "qllm"), CacheDirectory.Resolve(string.Empty, Environment(("QLLM_CACHE_DIR", string.Empty), ("XDG_CACHE_HOME", Xdg)), Home));
    }

    [Fact]
    public void A_relative_XDG_CACHE_HOME_is_ignored()
    {
        Assert.Equal(Path.Combine(Home, ".cache", "qllm"), CacheDirectory.Resolve(null, Environment(("XDG_CACHE_HOME", "relative")), Home));
    }

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}

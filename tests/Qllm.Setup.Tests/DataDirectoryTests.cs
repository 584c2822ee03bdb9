using Qllm.Setup;

namespace Qllm.Setup.Tests;

public sealed class DataDirectoryTests
{
    private const string Home = "/home/someone";

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void The_option_wins()
    {
        var dir = DataDirectory.Resolve("/opt/data", Environment(("QLLM_DATA_DIR", "/env/data"), ("XDG_DATA_HOME", "/xdg")), Home);

        Assert.Equal("/opt/data", dir);
    }

    [Fact]
    public void A_relative_option_is_made_absolute()
    {
        var dir = DataDirectory.Resolve("rel/data", Environment(), Home);

        Assert.Equal(Path.GetFullPath("rel/data"), dir);
    }

    [Fact]
    public void Then_QLLM_DATA_DIR()
    {
        var dir = DataDirectory.Resolve(null, Environment(("QLLM_DATA_DIR", "/env/data"), ("XDG_DATA_HOME", "/xdg")), Home);

        Assert.Equal("/env/data", dir);
    }

    [Fact]
    public void Then_XDG_DATA_HOME()
    {
        var dir = DataDirectory.Resolve("", Environment(("QLLM_DATA_DIR", ""), ("XDG_DATA_HOME", "/xdg")), Home);

        Assert.Equal("/xdg/qllm", dir);
    }

    [Fact]
    public void A_relative_XDG_DATA_HOME_is_ignored_as_the_spec_says()
    {
        var dir = DataDirectory.Resolve(null, Environment(("XDG_DATA_HOME", "relative")), Home);

        Assert.Equal("/home/someone/.local/share/qllm", dir);
    }

    [Fact]
    public void Else_the_home_folder()
    {
        var dir = DataDirectory.Resolve(null, Environment(), Home);

        Assert.Equal("/home/someone/.local/share/qllm", dir);
    }
}

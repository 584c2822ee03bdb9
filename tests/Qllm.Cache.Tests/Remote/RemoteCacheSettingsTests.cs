using Qllm.Cache.Remote;
using Qllm.Core.Errors;

namespace Qllm.Cache.Tests.Remote;

public sealed class RemoteCacheSettingsTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("read", false)]
    [InlineData(" READ ", false)]
    [InlineData("readwrite", true)]
    [InlineData("ReadWrite", true)]
    public void Modes_are_read_by_default_and_readwrite_when_asked(string? mode, bool canPublish)
    {
        var access = canPublish ? RemoteCacheAccess.ReadWrite : RemoteCacheAccess.ReadOnly;
        var settings = RemoteCacheSettings.Resolve("cache.example:6379", mode, null, null, NoEnvironment.GetValueOrDefault);

        Assert.Equal(new RemoteCacheSettings("cache.example:6379", access), settings);
        Assert.Equal(canPublish, settings!.CanPublish);
    }

    [Theory]
    [InlineData("write")]
    [InlineData("rw")]
    [InlineData("read-write")]
    [InlineData("true")]
    public void An_unknown_mode_is_a_misconfiguration_that_names_the_property(string mode)
    {
        var error = Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve("cache.example:6379", mode, null, null, NoEnvironment.GetValueOrDefault));

        Assert.Equal(ErrorCodes.RemoteCacheMisconfigured, error.Code);
        Assert.Equal("QLLM4004", error.Code);
        Assert.Contains($"QllmRemoteCacheMode is '{mode}'", error.Problem, StringComparison.Ordinal);
        Assert.Contains("readwrite", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_mode_from_the_environment_names_the_variable_even_without_a_connection()
    {
        var environment = new Dictionary<string, string?> { [RemoteCacheSettings.ModeVariable] = "sometimes" };

        var error = Assert.Throws<QllmException>(() => RemoteCacheSettings.Resolve(null, null, null, null, environment.GetValueOrDefault));

        Assert.Contains("QLLM_REMOTE_CACHE_MODE is 'sometimes'", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void No_connection_string_is_no_remote_tier(string? connection)
    {
        Assert.Null(RemoteCacheSettings.Resolve(connection, "readwrite", null, null, NoEnvironment.GetValueOrDefault));
    }

    [Fact]
    public void The_environment_is_used_where_the_properties_are_empty()
    {
        var environment = new Dictionary<string, string?>
        {
            [RemoteCacheSettings.ConnectionVariable] = "from-environment:6379",
            [RemoteCacheSettings.ModeVariable] = "readwrite",
        };

        Assert.Equal(new RemoteCacheSettings("from-environment:6379", RemoteCacheAccess.ReadWrite), RemoteCacheSettings.Resolve("", null, null, null, environment.GetValueOrDefault));
        Assert.Equal(new RemoteCacheSettings("from-property:6379", RemoteCacheAccess.ReadOnly), RemoteCacheSettings.Resolve("from-property:6379", "read", null, null, environment.GetValueOrDefault));
    }

    [Fact]
    public void Printed_settings_hide_the_password()
    {
        var settings = new RemoteCacheSettings("cache.example:6380,password=hunter2,ssl=true", RemoteCacheAccess.ReadWrite);

        var printed = settings.ToString();

        Assert.DoesNotContain("hunter2", printed, StringComparison.Ordinal);
        Assert.Contains("cache.example:6380,password=*****,ssl=true", printed, StringComparison.Ordinal);
        Assert.Contains("ReadWrite", printed, StringComparison.Ordinal);
    }
}

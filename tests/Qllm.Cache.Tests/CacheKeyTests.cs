using System.Security.Cryptography;
using System.Text;
using Qllm.Cache;

namespace Qllm.Cache.Tests;

public sealed class CacheKeyTests
{
    private static readonly CacheKey Baseline = new(
        1,
        "engine-1.0",
        new Dictionary<string, string> { ["bits"] = "4", ["method"] = "qllm", ["activation-bits"] = "4" },
        new Dictionary<string, string> { ["model"] = "aa", ["calibration"] = "cc", ["tokenizer"] = "tt" });

    [Fact]
    public void The_same_inputs_in_another_order_give_the_same_key_and_json()
    {
        var reordered = new CacheKey(
            1,
            "engine-1.0",
            new Dictionary<string, string> { ["activation-bits"] = "4", ["method"] = "qllm", ["bits"] = "4" },
            new Dictionary<string, string> { ["tokenizer"] = "tt", ["calibration"] = "cc", ["model"] = "aa" });
        Assert.Equal(Baseline.CanonicalJson(), reordered.CanonicalJson());
        Assert.Equal(Baseline.Value(), reordered.Value());
    }

    [Fact]
    public void The_canonical_json_has_sorted_properties_and_no_white_space()
    {
        Assert.Equal(
            """{"engine":"engine-1.0","format":1,"inputs":{"calibration":"cc","model":"aa","tokenizer":"tt"},"options":{"activation-bits":"4","bits":"4","method":"qllm"}}""",
            Baseline.CanonicalJson());
    }

    [Fact]
    public void Properties_sort_by_ordinal_so_every_culture_agrees()
    {
        var key = Baseline with { Options = new Dictionary<string, string> { ["b"] = "1", ["B"] = "2", ["a"] = "3" } };
        Assert.Contains("""
            "options":{"B":"2","a":"3","b":"1"}
            """, key.CanonicalJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_is_the_lower_case_sha256_of_the_canonical_json()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Baseline.CanonicalJson())));
        Assert.Equal(expected, Baseline.Value());
        Assert.Matches("^[0-9a-f]{64}$", Baseline.Value());
    }

    public static TheoryData<string> Changes => ["format", "engine", "option value", "option added", "option removed", "input digest", "input role"];

    [Theory]
    [MemberData(nameof(Changes))]
    public void Any_one_change_gives_another_key(string change)
    {
        var changed = change switch
        {
            "format" => Baseline with { FormatVersion = 2 },
            "engine" => Baseline with { Engine = "engine-1.1" },
            "option value" => Baseline with { Options = With(Baseline.Options, "bits", "3") },
            "option added" => Baseline with { Options = With(Baseline.Options, "seed", "0") },
            "option removed" => Baseline with { Options = Without(Baseline.Options, "method") },
            "input digest" => Baseline with { Inputs = With(Baseline.Inputs, "calibration", "cd") },
            "input role" => Baseline with { Inputs = new Dictionary<string, string> { ["model"] = "aa", ["evaluation"] = "cc", ["tokenizer"] = "tt" } },
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        Assert.NotEqual(Baseline.Value(), changed.Value());
    }

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> values, string name, string value) =>
        new(values) { [name] = value };

    private static Dictionary<string, string> Without(IReadOnlyDictionary<string, string> values, string name) =>
        values.Where(p => p.Key != name).ToDictionary();
}

using System.Globalization;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Tests.Commands.Quantize;

[Collection(QuantizedArtifactGroup.Name)]
public sealed class QuantizeProgressTests(QuantizedArtifactFixture fixture)
{
    [Fact]
    public void Redirected_stderr_gets_plain_progress_lines_and_no_escape_codes()
    {
        var error = fixture.Quantize.Error;
        Assert.DoesNotContain('\u001b', error);
        Assert.DoesNotContain('\r', error);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.StartsWith("qllm: ", line, StringComparison.Ordinal));
        Assert.StartsWith("qllm: quantizing ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("qllm: block 0 (layers 0-3): loss ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("qllm: block 1 (layers 4-5): loss ", lines[2], StringComparison.Ordinal);
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"qllm: wrote {fixture.ArtifactPath} ("), lines[3], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.Equal(fixture.ArtifactPath + Environment.NewLine, fixture.Quantize.Output);
    }

    [Fact]
    public void The_first_line_names_the_calibrations_product_type_bfloat16_only_where_the_CPU_has_bfloat16_instructions()
    {
        var flags = File.ReadLines("/proc/cpuinfo").First(line => line.StartsWith("flags", StringComparison.Ordinal)).Split(' ');
        var expected = flags.Contains("avx512_bf16") || flags.Contains("amx_bf16") ? "bfloat16" : "float32";
        var first = fixture.Quantize.Error.Split('\n')[0];
        Assert.EndsWith($", matrix products in {expected}", first.TrimEnd('\r'), StringComparison.Ordinal);
    }

    [Fact]
    public void The_live_display_is_only_for_the_process_stderr_on_a_terminal_without_json()
    {
        using var writer = new StringWriter();
        Assert.False(QuantizeProgressDisplay.IsWanted(writer, json: false));
        Assert.False(QuantizeProgressDisplay.IsWanted(Console.Error, json: true));
        Assert.Equal(!Console.IsErrorRedirected, QuantizeProgressDisplay.IsWanted(Console.Error, json: false));
    }
}

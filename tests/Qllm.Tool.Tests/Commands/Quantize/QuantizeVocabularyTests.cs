using System.CommandLine;
using System.Globalization;
using Qllm.Engine.Quantization;
using Qllm.Core.Quantization;
using Qllm.Tool.CommandLine;

namespace Qllm.Tool.Tests.Commands.Quantize;

/// <summary>
/// `qllm quantize` accepts exactly Qllm.Core's vocabulary (which the build tasks accept too), and
/// every value it accepts is one the engine parses: the three parts cannot drift apart.
/// </summary>
public sealed class QuantizeVocabularyTests
{
    public static TheoryData<string, string> EveryName()
    {
        var data = new TheoryData<string, string>();
        foreach (var (option, names) in new[] { ("--preset", QuantizationPresets.Names), ("--method", MethodNames.All), ("--rotation", RotationNames.All), ("--weight-rounding", WeightRoundingNames.All), ("--device", DeviceNames.All) })
        {
            foreach (var name in names)
            {
                data.Add(option, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryName))]
    public void The_tool_accepts_every_name_of_the_vocabulary(string option, string name) =>
        Assert.Empty(Parse(option, name).Errors);

    [Theory]
    [InlineData("--preset", "W3A3")]
    [InlineData("--method", "awq")]
    [InlineData("--rotation", "givens")]
    [InlineData("--weight-rounding", "stochastic")]
    [InlineData("--device", "tpu")]
    public void The_tool_refuses_a_name_outside_the_vocabulary(string option, string name) =>
        Assert.NotEmpty(Parse(option, name).Errors);

    [Fact]
    public void Every_name_the_tool_accepts_the_engine_parses()
    {
        Assert.All(QuantizationPresets.Names, name => Assert.True(QuantizationSettings.Presets.ContainsKey(name), name));
        Assert.All(MethodNames.All, name => QuantizeOptionsText.ParseMethod(name));
        Assert.All(RotationNames.All, name => QuantizeOptionsText.ParseRotation(name));
        Assert.All(WeightRoundingNames.All, name => QuantizeOptionsText.ParseWeightRounding(name));
        Assert.All(DeviceNames.All, name => Engine.Torch.TorchRuntime.ParseDevice(name));
    }

    [Fact]
    public void The_tool_takes_exactly_the_bit_widths_of_the_vocabulary()
    {
        for (var bits = 0; bits <= 17; bits++)
        {
            var text = bits.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(BitWidths.IsWeightBits(bits), Parse("--bits", text).Errors.Count == 0);
            Assert.Equal(BitWidths.IsActivationBits(bits), Parse("--bits", "4", "--activation-bits", text).Errors.Count == 0);
        }
    }

    private static ParseResult Parse(params string[] options) =>
        QllmCommandLine.Build(new GlobalOptions()).Parse(["quantize", "model.bin", "--calibration", "calibration.txt", "--output", "out.qllm", .. options]);
}

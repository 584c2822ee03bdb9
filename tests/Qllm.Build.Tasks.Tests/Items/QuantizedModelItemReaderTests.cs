using Microsoft.Build.Utilities;
using Qllm.Build.Tasks.Items;
using Qllm.Core.Quantization;

namespace Qllm.Build.Tasks.Tests.Items;

public sealed class QuantizedModelItemReaderTests
{
    [Fact]
    public void Defaults_give_W4A4_the_class_named_after_the_file_and_an_embedded_resource()
    {
        var problems = new List<ItemProblem>();
        var spec = QuantizedModelItemReader.Read(Item(), "App", problems);

        Assert.Empty(problems);
        Assert.NotNull(spec);
        Assert.Equal([new("--preset", "W4A4")], spec.Options);
        Assert.Equal("App.Stories15M", spec.FullClassName);
        Assert.Equal(ModelEmbedding.Resource, spec.Embedding);
        Assert.Equal("auto", spec.Device);
    }

    [Fact]
    public void Every_option_is_passed_in_a_fixed_order_with_normalised_spelling()
    {
        var spec = QuantizedModelItemReader.Read(Item(("Bits", "4"), ("ActivationBits", "8"), ("Method", "RTN"), ("Seed", "-3"), ("Rank", "8"), ("Samples", "16"), ("Epochs", "0"), ("Embed", "content")), "App", []);

        Assert.NotNull(spec);
        Assert.Equal("--bits 4 --activation-bits 8 --method rtn --samples 16 --epochs 0 --rank 8 --seed -3", spec.DescribeOptions());
        Assert.Equal(ModelEmbedding.Content, spec.Embedding);
    }

    [Fact]
    public void Every_problem_of_an_item_is_reported_not_only_the_first()
    {
        var problems = new List<ItemProblem>();
        var spec = QuantizedModelItemReader.Read(Item(("Preset", "W9"), ("Rank", "0"), ("Device", "tpu"), ("ClassName", "my model"), ("Embed", "zip")), "App", problems);

        Assert.Null(spec);
        Assert.Equal(["QLLM1002", "QLLM1007", "QLLM1007", "QLLM1007", "QLLM1007"], problems.Select(p => p.Code));
    }

    public static TheoryData<string, string, string> EveryName()
    {
        // The item takes exactly the vocabulary the tool and the engine take (see the tool's QuantizeVocabularyTests).
        var data = new TheoryData<string, string, string>();
        foreach (var (metadata, option, names) in new[] { ("Preset", "--preset", QuantizationPresets.Names), ("Method", "--method", MethodNames.All), ("Rotation", "--rotation", RotationNames.All), ("WeightRounding", "--weight-rounding", WeightRoundingNames.All) })
        {
            foreach (var name in names)
            {
                data.Add(metadata, option, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryName))]
    public void Every_name_of_the_vocabulary_is_taken_in_any_case_and_passed_as_the_tool_spells_it(string metadata, string option, string name)
    {
        var problems = new List<ItemProblem>();
        var spec = QuantizedModelItemReader.Read(Item((metadata, name.ToUpperInvariant())), "App", problems);

        Assert.Empty(problems);
        Assert.Contains(new KeyValuePair<string, string>(option, name), spec!.Options);
    }

    [Fact]
    public void Every_device_of_the_vocabulary_is_taken() =>
        Assert.All(DeviceNames.All, device => Assert.Equal(device, QuantizedModelItemReader.Read(Item(("Device", device)), "App", [])!.Device));

    [Fact]
    public void An_item_without_preset_or_bits_gets_the_default_preset() =>
        Assert.Equal([new("--preset", QuantizationPresets.Default.Name)], QuantizedModelItemReader.Read(Item(), "App", [])!.Options);

    [Fact]
    public void Preset_and_bits_together_are_refused() =>
        Assert.Equal("QLLM1003", Assert.Single(Problems(("Preset", "W4A4"), ("Bits", "4"))).Code);

    [Theory]
    [InlineData("1", "4")]
    [InlineData("4", "12")]
    [InlineData("x", "4")]
    public void Bits_out_of_range_are_refused(string bits, string activationBits) =>
        Assert.Equal("QLLM1003", Assert.Single(Problems(("Bits", bits), ("ActivationBits", activationBits))).Code);

    private static List<ItemProblem> Problems(params (string Name, string Value)[] metadata)
    {
        var problems = new List<ItemProblem>();
        QuantizedModelItemReader.Read(Item(metadata), "App", problems);
        return problems;
    }

    private static TaskItem Item(params (string Name, string Value)[] metadata)
    {
        var item = new TaskItem(SetupData.ModelPath);
        item.SetMetadata("Calibration", SetupData.CalibrationPath);
        foreach (var (name, value) in metadata)
        {
            item.SetMetadata(name, value);
        }

        return item;
    }
}

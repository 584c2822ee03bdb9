using Microsoft.Build.Utilities;
using Qllm.Build.Tasks.Items;
using Qllm.Build.Tasks;

namespace Qllm.Build.Tasks.Tests.Items;

/// <summary>QuantizeModel reads back exactly the spec ResolveQuantizedModels validated, without reading the item again.</summary>
public sealed class ResolvedModelItemTests
{
    [Fact]
    public void A_resolved_item_reads_back_as_the_spec_it_was_resolved_from()
    {
        var item = new TaskItem(SetupData.ModelPath);
        item.SetMetadata("Calibration", SetupData.CalibrationPath);
        item.SetMetadata("Tokenizer", Path.Combine(SetupData.Directory, "tokenizer.bin"));
        item.SetMetadata("Bits", "4");
        item.SetMetadata("ActivationBits", "8");
        item.SetMetadata("Method", "RTN");
        item.SetMetadata("Seed", "-3");
        item.SetMetadata("Device", "CPU");
        item.SetMetadata("Embed", "content");
        var spec = QuantizedModelItemReader.Read(item, "App", []);
        Assert.NotNull(spec);

        var resolved = new TaskItem(item);
        ResolvedModelItem.Write(resolved, spec);
        var read = ResolvedModelItem.Read(resolved);

        Assert.Equal(spec.Options, read.Options);
        Assert.Equal(spec with { Options = read.Options }, read);
        Assert.Equal("cpu", read.Device);
    }

    [Fact]
    public void Options_that_are_not_pairs_are_refused()
    {
        Assert.Empty(ResolvedModelItem.ParseOptions(""));
        Assert.Throws<ArgumentException>(() => ResolvedModelItem.ParseOptions("--preset"));
        Assert.Throws<ArgumentException>(() => ResolvedModelItem.ParseOptions("W4A4 --preset"));
    }
}

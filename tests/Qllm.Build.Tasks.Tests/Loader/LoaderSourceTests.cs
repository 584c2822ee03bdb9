using Qllm.Build.Tasks.Loader;

namespace Qllm.Build.Tasks.Tests.Loader;

public sealed class LoaderSourceTests
{
    private static readonly LoaderModel[] Models =
    [
        new("TinyLlama", "Contoso.Chat", "TinyLlama-1.1B", "--preset W4A8 --method qllm", Embedded: false, "models/Contoso.Chat.TinyLlama.qllm"),
        new("Stories15M", "Contoso.Chat", "stories15M.bin", "--preset W4A4 --method qllm", Embedded: true, "Contoso.Chat.Stories15M.qllm"),
        new("Global", "", "global.bin", "--bits 4 --activation-bits 16", Embedded: true, "Global.qllm"),
    ];

    [Fact]
    public void The_loader_for_models_in_two_namespaces_matches_the_approved_text() =>
        Snapshot.Match(LoaderSource.Generate(Models), "TwoNamespaces");

    [Fact]
    public void The_same_models_in_any_order_give_the_same_bytes() =>
        Assert.Equal(LoaderSource.Generate(Models), LoaderSource.Generate(Models.Reverse()));

    [Fact]
    public void Xml_special_characters_in_names_are_escaped_in_the_docs() =>
        Assert.Contains("a&lt;b&gt;&amp;c", LoaderSource.Generate([new("M", "N", "a<b>&c", "", true, "N.M.qllm")]), StringComparison.Ordinal);
}

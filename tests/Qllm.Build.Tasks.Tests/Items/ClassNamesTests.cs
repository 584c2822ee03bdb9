using Qllm.Build.Tasks.Items;

namespace Qllm.Build.Tasks.Tests.Items;

public sealed class ClassNamesTests
{
    [Theory]
    [InlineData("/data/stories15M.bin", "Stories15M")]
    [InlineData("/models/TinyLlama-1.1B-chat.bin", "TinyLlama11BChat")]
    [InlineData("/models/7b.bin", "Model7b")]
    [InlineData("/models/--.bin", "Model")]
    public void A_class_name_is_made_from_the_model_file_name(string path, string expected) =>
        Assert.Equal(expected, ClassNames.FromModelPath(path));

    [Theory]
    [InlineData("Test.Stories15M", "Stories15M")]
    [InlineData("Contoso.Models.tiny-llama", "TinyLlama")]
    [InlineData("stories15M", "Stories15M")]
    [InlineData("Contoso.7B", "Model7B")]
    public void A_class_name_is_made_from_the_last_segment_of_a_package_id(string id, string expected) =>
        Assert.Equal(expected, ClassNames.FromPackageId(id));

    [Theory]
    [InlineData("Stories15M", true)]
    [InlineData("_private", true)]
    [InlineData("15M", false)]
    [InlineData("class", false)]
    [InlineData("My-Model", false)]
    [InlineData("", false)]
    public void Identifiers_are_checked(string name, bool valid) => Assert.Equal(valid, ClassNames.IsIdentifier(name));

    [Theory]
    [InlineData("Contoso.Models", true)]
    [InlineData("", true)]
    [InlineData("Contoso..Models", false)]
    [InlineData("Contoso.class", false)]
    public void Namespaces_are_checked(string name, bool valid) => Assert.Equal(valid, ClassNames.IsNamespace(name));
}

using Qllm.Build.Tasks.Packages;

namespace Qllm.Build.Tasks.Tests.Packages;

public sealed class ModelPackageReferenceTests
{
    [Theory]
    [InlineData("nuget:Test.Stories15M/1.0.0", "Test.Stories15M", "1.0.0")]
    [InlineData("NuGet:Contoso.Models.Llama/2.1.0-preview.3", "Contoso.Models.Llama", "2.1.0-preview.3")]
    [InlineData("nuget:stories15m/1.0", "stories15m", "1.0.0")]
    [InlineData("  nuget: Test.Stories15M / 1.0.0  ", "Test.Stories15M", "1.0.0")]
    [InlineData("nuget:My_Model-2/1.2.3.4", "My_Model-2", "1.2.3.4")]
    public void An_id_and_one_exact_version_are_read(string itemSpec, string id, string version)
    {
        Assert.True(ModelPackageReference.TryParse(itemSpec, out var reference, out var problem), problem);
        Assert.Equal(id, reference.Id);
        Assert.Equal(version, reference.Version.ToNormalizedString());
        Assert.Equal($"{id}/{version}", reference.ToString());
    }

    [Theory]
    [InlineData("nuget:", "not of the form")]
    [InlineData("nuget:Test.Stories15M", "not of the form")]
    [InlineData("nuget:Test.Stories15M/", "not of the form")]
    [InlineData("nuget:/1.0.0", "not of the form")]
    [InlineData("nuget:Test/Stories15M/1.0.0", "not of the form")]
    [InlineData("nuget:Test Stories/1.0.0", "is not a NuGet package id")]
    [InlineData("nuget:.Test/1.0.0", "is not a NuGet package id")]
    [InlineData("nuget:Test.Stories15M/1.*", "is not one exact version")]
    [InlineData("nuget:Test.Stories15M/[1.0.0,2.0.0)", "is not one exact version")]
    [InlineData("nuget:Test.Stories15M/latest", "is not one exact version")]
    [InlineData("models/stories15M.bin", "does not start with nuget:")]
    public void A_malformed_reference_says_what_is_wrong(string itemSpec, string expected)
    {
        Assert.False(ModelPackageReference.TryParse(itemSpec, out var reference, out var problem));
        Assert.Null(reference);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_longer_than_NuGet_allows_is_refused()
    {
        Assert.False(ModelPackageReference.TryParse($"nuget:{new string('a', 101)}/1.0.0", out _, out var problem));
        Assert.Contains("at most 100 characters", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nuget:Test.Stories15M/1.0.0", true)]
    [InlineData("NUGET:x", true)]
    [InlineData("$(QllmDataDir)/stories15M.bin", false)]
    [InlineData("nuget.bin", false)]
    public void Package_references_are_told_from_paths_by_their_prefix(string itemSpec, bool expected) =>
        Assert.Equal(expected, ModelPackageReference.IsPackageReference(itemSpec));
}

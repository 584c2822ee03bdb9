namespace Qllm.Tool.Tests;

/// <summary>The xunit collection of the test classes that share one <see cref="QuantizedArtifactFixture"/> (quantizing once, not once per class).</summary>
[CollectionDefinition(Name)]
public sealed class QuantizedArtifactGroup : ICollectionFixture<QuantizedArtifactFixture>
{
    public const string Name = "quantized stories15M artifact";
}

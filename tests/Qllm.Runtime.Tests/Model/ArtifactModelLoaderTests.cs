using Qllm.Artifacts.Container;
using Qllm.Runtime.Compute;
using Qllm.Runtime.Model;

namespace Qllm.Runtime.Tests.Model;

public sealed class ArtifactModelLoaderTests(QuantizedArtifactsFixture artifacts) : IClassFixture<QuantizedArtifactsFixture>
{
    // The README: where the 256-bit kernel reads them, the 8-bit classifier's rows are copied into
    // the interleaved layout at load, as the 4-bit rows are; WeightsInPlace (interleave: false) keeps them in place.
    [SkippableFact]
    public void The_classifier_is_copied_into_interleaved_rows_where_the_kernel_reads_them()
    {
        Skip.IfNot(QuantizedMatrix.InterleavesByteRows, "this CPU takes the 512-bit kernel (row-major) or none");
        using var reader = ArtifactReader.Open(artifacts.Artifact("W4A4"));
        var (interleaved, _, _) = ArtifactModelLoader.Load(reader);
        var (inPlace, _, _) = ArtifactModelLoader.Load(reader, interleave: false);
        Assert.True(Assert.IsType<QuantizedMatrix>(interleaved.Classifier.Matrices[0]).Interleaved);
        Assert.False(Assert.IsType<QuantizedMatrix>(inPlace.Classifier.Matrices[0]).Interleaved);
    }
}

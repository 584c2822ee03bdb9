using System.Runtime.InteropServices;
using Qllm.Artifacts.Container;
using Qllm.Runtime.Compute;
using Qllm.Runtime.Model;
using Xunit.Abstractions;

namespace Qllm.Runtime.Tests.Compute;

/// <summary>
/// Decoding token by token, as generation does: the thread count (and how the pool cuts the work)
/// does not move a bit of the logits, and once warm a step allocates nothing, so a long generation
/// never stops for the garbage collector.
/// </summary>
public sealed class TransformerDecodeTests(QuantizedArtifactsFixture artifacts, ITestOutputHelper output) : IClassFixture<QuantizedArtifactsFixture>
{
    private const int WarmUp = 8;
    private const int Measured = 32;

    public static TheoryData<string> Models => ["float", "W4A4", QuantizedArtifactsFixture.RotatedW4A4];

    [Theory]
    [MemberData(nameof(Models))]
    public void Decoding_gives_the_same_logits_bit_for_bit_on_any_number_of_threads(string model)
    {
        var transformer = Load(model, out var reader);
        using (reader)
        {
            using var one = new Workers(1);
            var expected = Decode(transformer, one, 24);
            foreach (var workers in new[] { new Workers(2), new Workers(3), new Workers(3, chunksPerThread: 4, minimumChunkCost: 1), new Workers(2, chunksPerThread: 1, minimumChunkCost: 1) })
            {
                using (workers)
                {
                    var actual = Decode(transformer, workers, 24);
                    Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())), $"the logits differ with {workers.Threads} threads");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_warm_decode_step_allocates_nothing(string model)
    {
        var transformer = Load(model, out var reader);
        using (reader)
        {
            foreach (int threads in new[] { 1, 2 })
            {
                using var workers = new Workers(threads, Workers.DefaultChunksPerThread, minimumChunkCost: 1);
                var state = transformer.NewState();
                var token = new int[1];
                transformer.Forward([1, 403, 2501], state, lastOnly: true, workers);
                for (int step = 0; step < WarmUp; step++)
                {
                    token[0] = 100 + step;
                    transformer.Forward(token, state, lastOnly: true, workers);
                }

                // The pool's threads allocate nothing either: every buffer is handed to them by the caller.
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int step = 0; step < Measured; step++)
                {
                    token[0] = 200 + step;
                    transformer.Forward(token, state, lastOnly: true, workers);
                }

                long perToken = (GC.GetAllocatedBytesForCurrentThread() - before) / Measured;
                output.WriteLine($"{model}, {threads} thread(s): {perToken} bytes per token");
                Assert.Equal(0, perToken);
            }
        }
    }

    private static float[] Decode(Transformer transformer, Workers workers, int steps)
    {
        var state = transformer.NewState();
        var logits = new List<float>(transformer.Forward([1, 403, 2501, 931], state, lastOnly: false, workers));
        var token = new[] { 931 };
        for (int step = 0; step < steps; step++)
        {
            var last = transformer.Forward(token, state, lastOnly: true, workers);
            logits.AddRange(last);
            token[0] = Array.IndexOf(last, last.Max());
        }

        return [.. logits];
    }

    private Transformer Load(string model, out ArtifactReader? reader)
    {
        if (model == "float")
        {
            reader = null;
            return Llama2CFloatLoader.Load(TestData.ModelPath);
        }

        reader = ArtifactReader.Open(artifacts.Artifact(model));
        return ArtifactModelLoader.Load(reader).Model;
    }
}

using System.Runtime.InteropServices;
using Qllm.Engine.Generation;
using Qllm.Engine.Loading;
using Qllm.Core.Errors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Qllm.Runtime.Tests;

public sealed class QuantizedLanguageModelTests(QuantizedArtifactsFixture artifacts, ITestOutputHelper output) : IClassFixture<QuantizedArtifactsFixture>
{
    private static readonly GenerationOptions Short = new(MaxTokens: 24);

    [Fact]
    public void Greedy_text_of_the_W4A4_artifact_is_the_engines()
    {
        var path = artifacts.Artifact("W4A4");
        using var model = QuantizedLanguageModel.Load(path);
        using var engine = ModelLoader.Load(path, null, CPU);
        var options = new GenerationOptions(MaxTokens: 64);

        var runtime = model.Generate("Once upon a time", options);
        var expected = TextGenerator.Generate(engine.Model, engine.Tokenizer, "Once upon a time", options);

        Assert.Equal(expected.Text, runtime.Text);
        Assert.StartsWith("Once upon a time", runtime.Text, StringComparison.Ordinal);
        Assert.Equal(runtime.Text, "Once upon a time" + runtime.Continuation);
    }

    [Fact]
    public void Greedy_text_of_the_W4A16_artifact_is_coherent()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A16"));
        var result = model.Generate("Once upon a time", new GenerationOptions(MaxTokens: 80));
        output.WriteLine(result.Text);
        Assert.Equal(80, result.GeneratedTokens);
        var words = result.Continuation.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(words.Length > 40, result.Text);
        Assert.Contains(words, w => w is "the" or "a" or "was" or "she" or "he");
    }

    [Fact]
    public async Task Streamed_pieces_make_the_continuation()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        var pieces = new List<string>();
        await foreach (var piece in model.GenerateStreamingAsync("Lily and Ben", Short))
        {
            pieces.Add(piece);
        }

        Assert.True(pieces.Count > 5);
        Assert.Equal(model.Generate("Lily and Ben", Short).Continuation, string.Concat(pieces));
    }

    [Fact]
    public async Task A_stream_from_an_empty_prompt_starts_with_the_first_generated_piece()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        var pieces = new List<string>();
        await foreach (var piece in model.GenerateStreamingAsync(string.Empty, Short))
        {
            pieces.Add(piece);
        }

        Assert.Equal(model.Generate(string.Empty, Short).Continuation, string.Concat(pieces));
        Assert.NotEmpty(pieces[0]);
    }

    [Fact]
    public async Task Cancelling_a_stream_stops_generation_with_OperationCanceledException()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        using var cancellation = new CancellationTokenSource();
        int received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var piece in model.GenerateStreamingAsync("Once upon a time", new GenerationOptions(MaxTokens: 200), cancellation.Token))
            {
                if (++received == 3)
                {
                    await cancellation.CancelAsync();
                }
            }
        });
        Assert.InRange(received, 3, 5);
    }

    [Fact]
    public void Cancelling_Generate_throws_OperationCanceledException()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => model.Generate("Once", Short, cancellation.Token));
    }

    [Fact]
    public async Task One_model_serves_concurrent_callers_each_with_its_own_sequence()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        string[] prompts = ["Once upon a time", "Tom had a dog", "The sun was hot", "Mia liked cake"];
        var sequential = prompts.Select(p => model.Generate(p, Short).Text).ToArray();
        var concurrent = await Task.WhenAll(prompts.Select(p => Task.Run(() => model.Generate(p, Short).Text)));
        Assert.Equal(sequential, concurrent);
    }

    [Fact]
    public void Sampling_is_reproducible_with_a_seed()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        GenerationOptions Sampled(int seed) => new(MaxTokens: 24, Temperature: 0.8, TopP: 0.9, Seed: seed);
        Assert.Equal(model.Generate("Once", Sampled(1)).Text, model.Generate("Once", Sampled(1)).Text);
        Assert.NotEqual(model.Generate("Once", Sampled(1)).Text, model.Generate("Once", Sampled(2)).Text);
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_a_clear_error()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        var prompt = string.Join(' ', Enumerable.Repeat("story", 300));
        var error = Assert.Throws<QllmException>(() => model.Generate(prompt));
        Assert.Equal(ErrorCodes.PromptTooLong, error.Code);
        Assert.Contains("context is 256", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Generation_stops_cleanly_at_the_end_of_the_context()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        var prompt = string.Join(' ', Enumerable.Repeat("story", 240));
        var result = model.Generate(prompt, new GenerationOptions(MaxTokens: 1000));
        Assert.True(result.StopReason is StopReason.ContextFull or StopReason.EndOfText, $"{result.StopReason} after {result.PromptTokens} + {result.GeneratedTokens} tokens");
        // Every position of the context is used; the last token is predicted from a full context and not fed back.
        Assert.True(result.PromptTokens + result.GeneratedTokens <= model.ContextLength + 1);
    }

    [Fact]
    public void A_model_read_from_a_stream_gives_the_logits_of_the_mapped_file()
    {
        var path = artifacts.Artifact("W4A4");
        using var mapped = QuantizedLanguageModel.Load(path);
        using var stream = File.OpenRead(path);
        using var copied = QuantizedLanguageModel.Load(stream, "stories15M.qllm");
        int[] tokens = [1, 403, 2501, 263, 931];
        Assert.Equal(mapped.GetLogits(tokens), copied.GetLogits(tokens));
        Assert.Equal(mapped.Digest, copied.Digest);
        Assert.Equal("stories15M.qllm", copied.Source);
    }

    [Fact]
    public unsafe void An_artifact_in_unmanaged_memory_is_used_in_place()
    {
        var bytes = File.ReadAllBytes(artifacts.Artifact("W4A4"));
        fixed (byte* start = bytes)
        {
            using var reader = Qllm.Artifacts.Container.ArtifactReader.Open(new UnmanagedMemoryStream(start, bytes.Length), "resource");
            fixed (byte* tokenizer = reader.GetBytes("tokenizer"))
            {
                Assert.True(tokenizer > start && tokenizer < start + bytes.Length, "the tensor is not read in place");
            }

            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), reader.Digest);
        }
    }

    [Fact]
    public void A_missing_embedded_resource_is_a_clear_error()
    {
        var error = Assert.Throws<QllmException>(() => QuantizedLanguageModel.LoadEmbedded(typeof(QuantizedLanguageModelTests).Assembly, "no-such.qllm"));
        Assert.Equal(ErrorCodes.InputNotFound, error.Code);
    }

    [Fact]
    public void One_thread_and_two_threads_give_the_same_logits_bit_for_bit()
    {
        // Threads split the rows of each product, never a sum: the thread count must not move a bit.
        var path = artifacts.Artifact("W4A4");
        using var single = QuantizedLanguageModel.Load(path, new RuntimeOptions { Threads = 1 });
        using var two = QuantizedLanguageModel.Load(path, new RuntimeOptions { Threads = 2 });
        var text = single.Tokenizer.Encode(File.ReadAllText(TestData.EvaluationTextPath));
        var tokens = text.Take(single.ContextLength - 1).Prepend(single.Tokenizer.BosId).ToArray();

        var expected = single.GetLogits(tokens);
        var actual = two.GetLogits(tokens);

        Assert.Equal(tokens.Length * single.VocabularySize, expected.Length);
        Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())), "the logits differ between 1 and 2 threads");
        Assert.Equal(single.Generate("Once upon a time", Short).Text, two.Generate("Once upon a time", Short).Text);
    }

    [Theory]
    [InlineData("W4A4")]
    [InlineData(QuantizedArtifactsFixture.RotatedW4A4)]
    public void Weights_read_in_place_give_the_logits_of_the_interleaved_copy_bit_for_bit(string artifact)
    {
        // On an AVX2 machine the default loads the 4-bit linears into interleaved blocks; the sums are
        // exact integers, so reading them in place from the mapping must not move a bit.
        var path = artifacts.Artifact(artifact);
        using var copied = QuantizedLanguageModel.Load(path);
        using var inPlace = QuantizedLanguageModel.Load(path, new RuntimeOptions { WeightsInPlace = true });
        var text = copied.Tokenizer.Encode(File.ReadAllText(TestData.EvaluationTextPath));
        var tokens = text.Take(96).Prepend(copied.Tokenizer.BosId).ToArray();

        var expected = inPlace.GetLogits(tokens);
        var actual = copied.GetLogits(tokens);

        Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())), "the logits differ between the weights in place and the interleaved copy");
        Assert.Equal(inPlace.Generate("Once upon a time", Short).Text, copied.Generate("Once upon a time", Short).Text);
    }

    [Fact]
    public void Logits_into_a_buffer_reuse_the_state_of_an_earlier_call_without_carrying_anything_over()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"), new RuntimeOptions { Threads = 1 });
        var text = model.Tokenizer.Encode(File.ReadAllText(TestData.EvaluationTextPath));
        int[] window = [model.Tokenizer.BosId, .. text.Take(model.ContextLength - 1)];
        int[] other = [model.Tokenizer.BosId, .. text.Skip(500).Take(40)];
        var expected = model.GetLogits(window);

        // A long window, a short other one, the long one again: each as from an empty context.
        var buffer = new float[expected.Length];
        model.GetLogits(window, buffer);
        Assert.True(buffer.AsSpan().SequenceEqual(expected));
        var shortBuffer = new float[other.Length * model.VocabularySize];
        model.GetLogits(other, shortBuffer);
        Assert.True(shortBuffer.AsSpan().SequenceEqual(model.GetLogits(other)));
        model.GetLogits(window, buffer);
        Assert.True(buffer.AsSpan().SequenceEqual(expected));

        var error = Assert.Throws<ArgumentException>(() => model.GetLogits(window, new float[expected.Length - 1]));
        Assert.Equal("logits", error.ParamName);
        Assert.Throws<ArgumentException>(() => model.GetLogits(ReadOnlySpan<int>.Empty, buffer));
    }

    [Fact]
    public void The_model_describes_itself()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"), new RuntimeOptions { Threads = 1 });
        Assert.Equal((4, 4, 256, 32000), (model.WeightBits, model.ActivationBits, model.ContextLength, model.VocabularySize));
        Assert.Equal(64, model.Digest.Length);

        // 4-bit layers and the 8-bit tied embedding: about a fifth of the float checkpoint.
        Assert.InRange(model.ModelBytes, 10_000_000, 0.25 * new FileInfo(TestData.ModelPath).Length);
    }

    [Fact]
    public void GetLogits_refuses_ids_outside_the_vocabulary_and_sequences_longer_than_the_context()
    {
        using var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.GetLogits([1, 32000]));
        Assert.Throws<ArgumentException>(() => model.GetLogits(new int[257]));
        Assert.Throws<ArgumentException>(() => model.GetLogits([]));
    }

    [Fact]
    public void A_disposed_model_refuses_work()
    {
        var model = QuantizedLanguageModel.Load(artifacts.Artifact("W4A4"));
        model.Dispose();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Generate("Once"));
    }
}

using Qllm.Core.Errors;
using Qllm.Engine.Evaluation;
using Qllm.Engine.Modeling;
using Qllm.Engine.Loading;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Evaluation;

public sealed class PerplexityEvaluatorTests(Stories15MFixture stories) : IClassFixture<Stories15MFixture>
{
    // A fixed pseudo-text: ids of common words repeated with variation, 3 windows and a partial one.
    private static readonly int[] Text = [.. Enumerable.Range(0, (255 * 3) + 100).Select(i => new[] { 9038, 2501, 263, 931, 29892, 727, 471, 2217, 7826, 29889 }[(i * 7 + i / 10) % 10])];

    [Fact]
    public void Windows_drop_the_partial_tail_and_a_model_agrees_with_itself()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        var result = PerplexityEvaluator.Evaluate(model, Text, bosId: 1, reference: model);
        Assert.Equal(3, result.Windows);
        Assert.Equal(255 * 3, result.Tokens);
        Assert.True(double.IsFinite(result.Perplexity) && result.Perplexity > 1);
        Assert.Equal(0.0, result.MeanKl!.Value, 6);
        Assert.Equal(1.0, result.Top1Agreement);
    }

    [Fact]
    public void One_windows_perplexity_is_the_exponent_of_its_mean_cross_entropy_computed_in_double()
    {
        using var loaded = ModelLoader.Load(TestData.ModelPath, null, CPU);
        var text = loaded.Tokenizer.Encode(File.ReadAllText(TestData.EvaluationTextPath));
        int seqLen = loaded.Model.Config.SeqLen, vocab = loaded.Model.Config.VocabSize;

        var result = PerplexityEvaluator.Evaluate(loaded.Model, text, loaded.Tokenizer.BosId, maxWindows: 1);

        // Independently: the model's raw logits for BOS + the first 255 tokens; position i predicts
        // token i, by a log-sum-exp and a negative log-likelihood summed in double here.
        var ids = text.Take(seqLen - 1).Prepend(loaded.Tokenizer.BosId).ToArray();
        float[] logits;
        using (no_grad())
        using (var input = tensor(ids.Select(t => (long)t).ToArray()).unsqueeze(0))
        using (var output = loaded.Model.forward(input))
        {
            logits = output[0].to(ScalarType.Float32).data<float>().ToArray();
        }

        double nll = 0;
        for (int i = 0; i < seqLen - 1; i++)
        {
            var row = logits.AsSpan(i * vocab, vocab);
            double max = double.NegativeInfinity, sum = 0;
            foreach (var value in row)
            {
                max = Math.Max(max, value);
            }

            foreach (var value in row)
            {
                sum += Math.Exp(value - max);
            }

            nll += max + Math.Log(sum) - row[ids[i + 1]];
        }

        double expected = Math.Exp(nll / (seqLen - 1));
        Assert.Equal(1, result.Windows);
        Assert.Equal(seqLen - 1, result.Tokens);

        // float32 log-softmax in the evaluator against double here: a few parts in a million.
        Assert.Equal(expected, result.Perplexity, tolerance: expected * 1e-5);
    }

    [Fact]
    public void Windows_on_several_threads_give_the_numbers_of_one_thread()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        var one = PerplexityEvaluator.Evaluate(WindowLogits.Of(model), Text, bosId: 1, WindowLogits.Of(model), threads: 1);
        var three = PerplexityEvaluator.Evaluate(WindowLogits.Of(model), Text, bosId: 1, WindowLogits.Of(model), threads: 3);
        Assert.Equal(one, three with { Seconds = one.Seconds });
    }

    [Fact]
    public void A_perturbed_model_has_positive_kl_and_lower_agreement()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        var noisy = stories.Checkpoint.Tensors.ToDictionary(p => p.Key, p => p.Key.Contains("proj", StringComparison.Ordinal) ? p.Value + (randn(p.Value.shape, generator: new TorchSharp.torch.Generator(7)) * 0.02f) : p.Value);
        using var perturbed = LlamaModel.FromCheckpoint(new LlamaCheckpoint(stories.Checkpoint.Config, noisy, "noisy"), CPU);
        var result = PerplexityEvaluator.Evaluate(perturbed, Text, bosId: 1, reference: model, maxWindows: 1);
        Assert.Equal(1, result.Windows);
        Assert.True(result.MeanKl > 0.001, $"mean KL {result.MeanKl}");
        Assert.True(result.Top1Agreement < 1.0);
    }

    [Fact]
    public void A_window_that_fails_fails_the_evaluation_with_its_own_error()
    {
        var failing = new WindowLogits(256, 32000, (_, _) => throw new QllmException(ErrorCodes.BadArtifact, "model.qllm", "the weights are damaged", "quantize again"));
        var error = Assert.Throws<QllmException>(() => PerplexityEvaluator.Evaluate(failing, Text, bosId: 1, reference: null, threads: 2));
        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
        Assert.Equal("model.qllm", error.File);
    }

    [Fact]
    public void A_text_shorter_than_one_window_is_refused()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        var error = Assert.Throws<QllmException>(() => PerplexityEvaluator.Evaluate(model, Text[..100], bosId: 1, textPath: "short.txt"));
        Assert.Equal(ErrorCodes.BadText, error.Code);
        Assert.Equal("short.txt", error.File);
    }
}

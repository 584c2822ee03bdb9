using Qllm.Engine.Evaluation;

namespace Qllm.Engine.Tests.Evaluation;

public sealed class LogitRowTests
{
    // A vocabulary-sized row (and one with a scalar tail) against log-softmax, NLL and KL computed
    // term by term in double: float exponentials summed in double stay within a part in 10⁸.
    [Theory]
    [InlineData(32000)]
    [InlineData(1003)]
    public void Scores_match_a_term_by_term_double_computation(int vocab)
    {
        var random = new Random(vocab);
        var model = Enumerable.Range(0, vocab).Select(_ => (float)((random.NextDouble() * 20) - 8)).ToArray();
        var reference = model.Select(m => m + (float)(random.NextDouble() - 0.5)).ToArray();
        int target = vocab / 3;

        var score = LogitRow.Score(model, reference, target);

        double[] lm = LogSoftmax(model), lr = LogSoftmax(reference);
        double kl = 0;
        for (int i = 0; i < vocab; i++)
        {
            kl += Math.Exp(lr[i]) * (lr[i] - lm[i]);
        }

        Assert.Equal(-lm[target], score.Nll, tolerance: 1e-8 * Math.Abs(lm[target]));
        Assert.Equal(kl, score.Kl, tolerance: 1e-8);
        Assert.Equal(Array.IndexOf(model, model.Max()) == Array.IndexOf(reference, reference.Max()), score.Agree);
    }

    [Fact]
    public void A_row_against_itself_has_zero_kl_and_agrees()
    {
        var row = Enumerable.Range(0, 777).Select(i => (float)Math.Sin(i)).ToArray();
        var score = LogitRow.Score(row, row, 5);
        Assert.Equal(0, score.Kl);
        Assert.True(score.Agree);
    }

    private static double[] LogSoftmax(float[] row)
    {
        double max = row.Max(), sum = row.Sum(x => Math.Exp(x - max));
        return [.. row.Select(x => x - max - Math.Log(sum))];
    }
}

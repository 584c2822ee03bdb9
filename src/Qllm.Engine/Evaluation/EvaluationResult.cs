namespace Qllm.Engine.Evaluation;

/// <summary>Fidelity of a model on a text, optionally against a reference model.</summary>
/// <param name="Windows">Windows of the model's sequence length evaluated.</param>
/// <param name="Tokens">Predicted positions (seq_len − 1 per window).</param>
/// <param name="Perplexity">exp of the mean negative log-likelihood of the next token.</param>
/// <param name="MeanKl">KL(P_reference ‖ P_model) in nats, averaged over every predicted position; null without a reference.</param>
/// <param name="Top1Agreement">Share of predicted positions where both models' argmax agree; null without a reference.</param>
/// <param name="Seconds">Wall time of the evaluation.</param>
public sealed record EvaluationResult(int Windows, long Tokens, double Perplexity, double? MeanKl, double? Top1Agreement, double Seconds)
{
    /// <summary>Positions evaluated per second (model and reference together).</summary>
    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;
}

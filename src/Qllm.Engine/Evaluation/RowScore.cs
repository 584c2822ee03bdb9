namespace Qllm.Engine.Evaluation;

/// <summary>The scores of one predicted position.</summary>
/// <param name="Nll">Negative log-likelihood of the next token under the model.</param>
/// <param name="Kl">KL(P_reference ‖ P_model) in nats (0 without a reference).</param>
/// <param name="Agree">Whether both models' argmax agree (false without a reference).</param>
internal readonly record struct RowScore(double Nll, double Kl, bool Agree);

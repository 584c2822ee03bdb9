namespace Qllm.Engine.Evaluation;

/// <summary>The scores of a window's positions (or of many windows), summed in order.</summary>
/// <param name="Nll">Σ negative log-likelihood.</param>
/// <param name="Kl">Σ KL(P_reference ‖ P_model).</param>
/// <param name="Agree">Positions where both argmax agree.</param>
internal readonly record struct WindowScore(double Nll, double Kl, long Agree)
{
    public WindowScore Add(RowScore row) => new(Nll + row.Nll, Kl + row.Kl, Agree + (row.Agree ? 1 : 0));

    public WindowScore Add(WindowScore other) => new(Nll + other.Nll, Kl + other.Kl, Agree + other.Agree);
}

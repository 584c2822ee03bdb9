namespace Qllm.Engine.Quantization.Reassembly;

/// <summary>How channel assembly ranks the candidate pairs (a, b); lower merges first.</summary>
public enum AssemblyScore
{
    /// <summary>
    /// The reference's score, ((Σ_o W[o, a] + Σ_o W[o, b]) · ‖x_a − x_b‖₂)², signed column sums of
    /// the concatenated consumer weights.
    /// </summary>
    Reference,

    /// <summary>
    /// The full-precision output error the merge itself causes: merging a and b changes every
    /// output by (W_a − W_b)(x_a − x_b) / 2, whose energy over the tokens is
    /// ‖W_a − W_b‖² · ‖x_a − x_b‖² / 4. Unlike the reference's signed sums it cannot vanish for a
    /// pair of dissimilar channels whose column sums cancel.
    /// </summary>
    MergeError,
}

namespace Qllm.Runtime.Compute;

/// <summary>
/// The input of a group of linears for a batch of tokens, in the form their kernels read: float
/// values and, when activations are quantized
/// on the integer path, the per-token codes with their scale, zero point and code sum. Rows are
/// tokens; columns are in the consumers' <see cref="Kernels.PackedLayout"/> order when their
/// weights are packed 4-bit codes, natural otherwise.
/// </summary>
internal sealed class PreparedInput(int tokens, int columns, bool integer)
{
    public int Tokens { get; } = tokens;

    public int Columns { get; } = columns;

    /// <summary>Whether it holds integer codes (else float values).</summary>
    public bool Integer { get; } = integer;

    /// <summary>[tokens × columns] float values (already fake-quantized when activations are quantized off the integer path); empty on the integer path.</summary>
    public float[] Values { get; } = integer ? [] : new float[tokens * columns];

    /// <summary>[tokens × columns] activation codes; null off the integer path.</summary>
    public byte[]? Codes { get; } = integer ? new byte[tokens * columns] : null;

    /// <summary>Per-token activation scale (integer path).</summary>
    public float[] Scales { get; } = integer ? new float[tokens] : [];

    /// <summary>Per-token activation zero point, an integer held in a float (integer path).</summary>
    public float[] Zeros { get; } = integer ? new float[tokens] : [];

    /// <summary>Per-token Σ codes (integer path).</summary>
    public int[] CodeSums { get; } = integer ? new int[tokens] : [];
}

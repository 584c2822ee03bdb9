namespace Qllm.Runtime.Compute;

/// <summary>
/// The online transforms a rotated artifact asks for, each null where it asks for none. One of each
/// serves every layer, so the model counts their bytes once, here.
/// </summary>
internal sealed record OnlineTransforms(OnlineTransform? Residual, OnlineTransform? Heads, OnlineTransform? Down)
{
    /// <summary>An unrotated model.</summary>
    public static OnlineTransforms None { get; } = new(null, null, null);

    /// <summary>Bytes held in memory.</summary>
    public long Bytes => (Residual?.Bytes ?? 0) + (Heads?.Bytes ?? 0) + (Down?.Bytes ?? 0);
}

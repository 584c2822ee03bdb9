namespace Qllm.Engine.Evaluation;

/// <summary>Writes the raw logits of one window's positions ([window.Length × vocabulary], row-major) into <paramref name="destination"/>.</summary>
/// <param name="window">The window's token ids, BOS first.</param>
/// <param name="destination">Room for the window's logits.</param>
public delegate void WindowLogitsWriter(ReadOnlySpan<int> window, Span<float> destination);

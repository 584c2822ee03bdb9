namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>An entry of <c>added_tokens</c>: matched in the text before anything else.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Content">Its text.</param>
/// <param name="Special">Whether it is a special (control) token, left out when decoding.</param>
/// <param name="LeftStrip">Whether it takes the whitespace before it.</param>
/// <param name="RightStrip">Whether it takes the whitespace after it.</param>
/// <param name="Normalized">Whether it is matched in normalized text rather than in the raw text.</param>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LeftStrip, bool RightStrip, bool Normalized);

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>One step of a <c>tokenizer.json</c> pre-tokenizer: splits a piece of text into smaller pieces.</summary>
internal interface IPreTokenizer
{
    /// <summary>Appends the pieces of <paramref name="text"/> to <paramref name="output"/>.</summary>
    /// <param name="text">A piece (never empty).</param>
    /// <param name="sectionIndex">Which section between added tokens the piece is in (Metaspace's "first").</param>
    /// <param name="output">Receives the non-empty pieces, in order.</param>
    void PreTokenize(string text, int sectionIndex, List<string> output);
}

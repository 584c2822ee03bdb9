namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>Pre-tokenizers applied in turn, each to every piece the one before produced.</summary>
internal sealed class SequencePreTokenizer : IPreTokenizer
{
    private readonly IPreTokenizer[] _steps;

    public SequencePreTokenizer(IPreTokenizer[] steps) => _steps = steps;

    public void PreTokenize(string text, int sectionIndex, List<string> output)
    {
        List<string> pieces = [text];
        foreach (var step in _steps)
        {
            var next = new List<string>(pieces.Count);
            foreach (var piece in pieces)
            {
                step.PreTokenize(piece, sectionIndex, next);
            }

            pieces = next;
        }

        output.AddRange(pieces);
    }
}

namespace Qllm.Runtime.Generation;

/// <summary>Finds stop sequences in the generated part of a text (never in the prompt).</summary>
internal sealed class StopSequences(IReadOnlyList<string>? sequences, int promptLength)
{
    private readonly string[] _sequences = sequences?.Where(s => !string.IsNullOrEmpty(s)).ToArray() ?? [];

    /// <summary>Where the text ends if it is cut before the earliest stop sequence, or null when none occurs.</summary>
    public int? FindStop(string text)
    {
        int? cut = null;
        int from = Math.Min(promptLength, text.Length);
        foreach (var sequence in _sequences)
        {
            int at = text.IndexOf(sequence, from, StringComparison.Ordinal);
            if (at >= 0 && (cut is null || at < cut))
            {
                cut = at;
            }
        }

        return cut;
    }

    /// <summary>The length of the longest end of the generated text that begins a stop sequence (0 when none).</summary>
    public int PartialSuffixLength(string text)
    {
        int longest = 0;
        int generated = Math.Max(0, text.Length - promptLength);
        foreach (var sequence in _sequences)
        {
            for (int length = Math.Min(sequence.Length - 1, generated); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(sequence.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }

        return longest;
    }
}

using Qllm.Artifacts.Tokenization;

namespace Qllm.Artifacts.Tests.Tokenization;

/// <summary>
/// The evaluation text encoded by the two references, run.c on tokenizer.bin and SentencePiece on
/// the tokenizer.model written from it, once for all tests: the references are slow.
/// </summary>
internal static class ReferenceIds
{
    private const int NewlineByteId = 13;

    private static readonly Lazy<NaiveLlama2CEncoder> RunC = new(() => NaiveLlama2CEncoder.Load(TestData.TokenizerPath));

    private static readonly Lazy<NaiveSentencePieceEncoder> SentencePiece = new(() => NaiveSentencePieceEncoder.Read(WrittenModel));

    private static readonly Lazy<List<int>[]> RunCLines = new(() => EncodeLines(RunC.Value.Encode));

    private static readonly Lazy<List<int>[]> SentencePieceLines = new(() => EncodeLines(SentencePiece.Value.Encode));

    private static readonly Lazy<List<int>> RunCText = new(() => EncodeText(RunC.Value.Encode, RunCLineIds));

    private static readonly Lazy<List<int>> SentencePieceText = new(() => EncodeText(SentencePiece.Value.Encode, SentencePieceLineIds));

    private static readonly Lazy<byte[]> Written = new(() => SentencePieceModelWriter.Serialize(RealTokenizer.Instance));

    /// <summary>The tokenizer.model that <see cref="SentencePieceModelWriter"/> writes from tokenizer.bin.</summary>
    public static byte[] WrittenModel => Written.Value;

    /// <summary>run.c's ids of each line of the evaluation text.</summary>
    public static List<int>[] RunCLineIds => RunCLines.Value;

    /// <summary>SentencePiece's ids of each line of the evaluation text, with the written model.</summary>
    public static List<int>[] SentencePieceLineIds => SentencePieceLines.Value;

    /// <summary>run.c's ids of the whole evaluation text.</summary>
    public static List<int> RunCTextIds => RunCText.Value;

    /// <summary>SentencePiece's ids of the whole evaluation text, with the written model.</summary>
    public static List<int> SentencePieceTextIds => SentencePieceText.Value;

    /// <summary>Each line encoded alone.</summary>
    private static List<int>[] EncodeLines(Func<string, List<int>> encode) => [.. RealTokenizer.EvaluationLines.Select(encode)];

    /// <summary>
    /// The whole text's ids, pieced together from its lines since the references are O(n²) in the
    /// text's length: the first line's ids, then for each later line those of the newline and the
    /// line, encoded together, less the dummy prefix that only the text's start has. No piece that
    /// a merge can make holds a newline (run.c's &lt;s&gt; is "\n&lt;s&gt;\n", but no two pieces
    /// make it), so no merge crosses one and each line merges as it would in the whole text; that
    /// the dummy prefix stays alone before the newline's byte token is checked.
    /// </summary>
    private static List<int> EncodeText(Func<string, List<int>> encode, List<int>[] lineIds)
    {
        var lines = RealTokenizer.EvaluationLines;
        var ids = new List<int>(lineIds[0]);
        var newline = encode("\n");
        if (newline.Count != 2 || newline[1] != NewlineByteId)
        {
            throw new InvalidOperationException($"a newline encodes as {string.Join(' ', newline)}, not the dummy prefix and byte token {NewlineByteId}");
        }

        for (var i = 1; i < lines.Length; i++)
        {
            var withNewline = encode("\n" + lines[i]);
            if (!withNewline.Take(2).SequenceEqual(newline))
            {
                throw new InvalidOperationException($"line {i} with the newline before it does not start with the dummy prefix and the newline byte");
            }

            ids.AddRange(withNewline.Skip(1));
        }

        return ids;
    }
}

using System.Globalization;
using System.Text;
using Google.Protobuf;

namespace Qllm.Artifacts.Tests.Tokenization;

/// <summary>
/// SentencePiece's BPE encoding (normalizer.cc and bpe_model.cc) written the obvious way, a full
/// scan of the symbols per merge: the reference for every tokenizer.model path of the product. It reads the model with
/// Google.Protobuf (which Microsoft.ML.Tokenizers brings) and shares nothing with the code under test.
/// </summary>
/// <remarks>
/// The rule: normalize (drop extra spaces when asked, prepend the ▁ dummy prefix when asked,
/// write every space as ▁), split into characters, then repeatedly merge the adjacent pair whose concatenation
/// is a piece with the highest score, the leftmost such pair on ties (bpe_model.cc's agenda orders
/// by score, then by smaller left index). A symbol left that is not a piece becomes its UTF-8
/// bytes as &lt;0xXX&gt; pieces. Unlike run.c, a character that is not a piece may still merge
/// into one. Models with features this does not implement (user-defined or unused pieces, a
/// normalization map, suffix whitespace, no byte fallback, unigram) are refused.
/// </remarks>
internal sealed class NaiveSentencePieceEncoder
{
    private const string Whitespace = "\u2581";

    // sentencepiece_model.proto: TrainerSpec.ModelType (UNIGRAM is the default) and SentencePiece.Type.
    private const int Unigram = 1;
    private const int Bpe = 2;
    private const int Normal = 1;
    private const int Unknown = 2;
    private const int Control = 3;
    private const int Byte = 6;

    private readonly Dictionary<string, int> _pieces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _bytePieces = new(StringComparer.Ordinal);
    private readonly List<float> _scores = [];
    private int _modelType = Unigram;
    private bool _treatWhitespaceAsSuffix;
    private int _precompiledCharsMapLength;
    private bool _byteFallback;
    private bool _addDummyPrefix = true;
    private bool _removeExtraWhitespaces = true;
    private bool _escapeWhitespaces = true;

    private NaiveSentencePieceEncoder()
    {
    }

    /// <summary>Reads a serialized ModelProto (proto2 defaults for absent fields).</summary>
    public static NaiveSentencePieceEncoder Read(byte[] model)
    {
        var encoder = new NaiveSentencePieceEncoder();
        var input = new CodedInputStream(model);
        while (input.ReadTag() is var tag && tag != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    encoder.ReadPiece(new CodedInputStream(input.ReadBytes().ToByteArray()));
                    break;
                case 2:
                    encoder.ReadTrainerSpec(new CodedInputStream(input.ReadBytes().ToByteArray()));
                    break;
                case 3:
                    encoder.ReadNormalizerSpec(new CodedInputStream(input.ReadBytes().ToByteArray()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (encoder._modelType != Bpe || !encoder._byteFallback || encoder._treatWhitespaceAsSuffix || encoder._precompiledCharsMapLength > 0)
        {
            throw new NotSupportedException("the reference implements BPE with byte fallback, the identity normalization and prefix whitespace only");
        }

        return encoder;
    }

    /// <summary>SentencePieceProcessor::EncodeAsIds.</summary>
    public List<int> Encode(string text)
    {
        // Split into characters (a lone surrogate is U+FFFD, as UTF-8 encoding makes it).
        var symbols = Normalize(text).EnumerateRunes().Select(rune => rune.ToString()).ToList();

        while (true)
        {
            var bestScore = float.NegativeInfinity;
            var bestIndex = -1;
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (_pieces.TryGetValue(symbols[i] + symbols[i + 1], out var id) && (bestIndex == -1 || _scores[id] > bestScore))
                {
                    bestScore = _scores[id];
                    bestIndex = i;
                }
            }

            if (bestIndex == -1)
            {
                break;
            }

            symbols[bestIndex] += symbols[bestIndex + 1];
            symbols.RemoveAt(bestIndex + 1);
        }

        var ids = new List<int>();
        foreach (var symbol in symbols)
        {
            if (_pieces.TryGetValue(symbol, out var id))
            {
                ids.Add(id);
            }
            else
            {
                ids.AddRange(Encoding.UTF8.GetBytes(symbol).Select(b => _bytePieces[string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>")]));
            }
        }

        return ids;
    }

    /// <summary>normalizer.cc's Normalize with the identity map: only spaces (U+0020) are touched.</summary>
    private string Normalize(string text)
    {
        var input = text.EnumerateRunes().Select(rune => rune.ToString()).ToList();

        // Ignores heading space.
        if (_removeExtraWhitespaces)
        {
            input = [.. input.SkipWhile(c => c == " ")];
        }

        // All chars are whitespace.
        if (input.Count == 0)
        {
            return string.Empty;
        }

        var space = _escapeWhitespaces ? Whitespace : " ";
        var normalized = new StringBuilder();
        if (_addDummyPrefix)
        {
            normalized.Append(space);
        }

        var isPrevSpace = _removeExtraWhitespaces;
        foreach (var c in input)
        {
            // Removes heading spaces in sentence piece (here one character), if the previous one
            // ends with whitespace: a run of spaces keeps its first.
            if (isPrevSpace && c == " ")
            {
                continue;
            }

            normalized.Append(c == " " ? space : c);
            isPrevSpace = _removeExtraWhitespaces && c == " ";
        }

        // Ignores trailing space: by now a literal U+2581 is one too.
        var result = normalized.ToString();
        while (_removeExtraWhitespaces && result.EndsWith(space, StringComparison.Ordinal))
        {
            result = result[..^space.Length];
        }

        return result;
    }

    private void ReadPiece(CodedInputStream input)
    {
        var (text, score, type) = (string.Empty, 0f, Normal);
        while (input.ReadTag() is var tag && tag != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: text = input.ReadString(); break;
                case 2: score = input.ReadFloat(); break;
                case 3: type = input.ReadEnum(); break;
                default: input.SkipLastField(); break;
            }
        }

        var id = _scores.Count;
        _scores.Add(score);
        switch (type)
        {
            // Only normal pieces take part in merges and lookups; <unk>, <s>, </s> and bytes are reserved.
            case Normal:
                _pieces.Add(text, id);
                break;
            case Byte:
                _bytePieces.Add(text, id);
                break;
            case Unknown or Control:
                break;
            default:
                throw new NotSupportedException($"piece {id} has type {type}, which the reference does not implement");
        }
    }

    private void ReadTrainerSpec(CodedInputStream input)
    {
        while (input.ReadTag() is var tag && tag != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3: _modelType = input.ReadEnum(); break;
                case 24: _treatWhitespaceAsSuffix = input.ReadBool(); break;
                case 35: _byteFallback = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private void ReadNormalizerSpec(CodedInputStream input)
    {
        while (input.ReadTag() is var tag && tag != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 2: _precompiledCharsMapLength = input.ReadBytes().Length; break;
                case 3: _addDummyPrefix = input.ReadBool(); break;
                case 4: _removeExtraWhitespaces = input.ReadBool(); break;
                case 5: _escapeWhitespaces = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }
    }
}

using System.Text.Json;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>Reads the <c>model</c> of a <c>tokenizer.json</c>: a <c>BPE</c> model, checked merge by merge.</summary>
internal static class BpeModelReader
{
    public static BpeModel Read(JsonElement model, string source)
    {
        var type = TokenizerJson.Type(model, "model", source);
        if (type != "BPE")
        {
            throw TokenizerJsonError.Unsupported(source, $"model type '{type}'");
        }

        if (TokenizerJson.OptionalString(model, "continuing_subword_prefix") is { Length: > 0 } || TokenizerJson.OptionalString(model, "end_of_word_suffix") is { Length: > 0 })
        {
            throw TokenizerJsonError.Unsupported(source, "a BPE model with continuing_subword_prefix or end_of_word_suffix");
        }

        if (TokenizerJson.Property(model, "dropout") is { ValueKind: JsonValueKind.Number } dropout && dropout.GetDouble() > 0)
        {
            throw TokenizerJsonError.Unsupported(source, "BPE dropout");
        }

        var ids = ReadVocabulary(model, source);
        var merges = ReadMerges(model, ids, source);
        int? unknownId = null;
        if (TokenizerJson.OptionalString(model, "unk_token") is { } unknown)
        {
            unknownId = ids.TryGetValue(unknown, out var id) ? id : throw TokenizerJsonError.Bad(source, $"the unknown token '{unknown}' is not in the vocabulary");
        }

        return new BpeModel(
            ids,
            merges,
            TokenizerJson.Bool(model, "byte_fallback", absent: false),
            unknownId,
            TokenizerJson.Bool(model, "fuse_unk", absent: false),
            TokenizerJson.Bool(model, "ignore_merges", absent: false));
    }

    private static Dictionary<string, int> ReadVocabulary(JsonElement model, string source)
    {
        if (TokenizerJson.Property(model, "vocab") is not { ValueKind: JsonValueKind.Object } vocab)
        {
            throw TokenizerJsonError.Bad(source, "the BPE model's \"vocab\" is missing or not an object of token: id");
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw TokenizerJsonError.Bad(source, $"the vocabulary's id of '{entry.Name}' is not a non-negative integer");
            }

            ids[entry.Name] = id;
        }

        return ids;
    }

    /// <summary>
    /// The merges, as "left right" strings (older files) or [left, right] pairs; each side and the
    /// merged token must be in the vocabulary, as Hugging Face tokenizers require. A later
    /// duplicate overrides an earlier one, as there.
    /// </summary>
    private static LongKeyTable<BpeMerge> ReadMerges(JsonElement model, Dictionary<string, int> ids, string source)
    {
        var merges = new LongKeyTable<BpeMerge>();
        var rank = 0;
        foreach (var merge in TokenizerJson.Array(model, "merges", source))
        {
            var (left, right) = Sides(merge, rank, source);
            if (!ids.TryGetValue(left, out var leftId) || !ids.TryGetValue(right, out var rightId) || !ids.TryGetValue(left + right, out var merged))
            {
                throw TokenizerJsonError.Bad(source, $"merge {rank + 1} ('{left}' + '{right}') names a token that is not in the vocabulary");
            }

            merges.Set(PriorityBpe.PairKey(leftId, rightId), new BpeMerge((uint)rank, merged));
            rank++;
        }

        return merges;
    }

    private static (string Left, string Right) Sides(JsonElement merge, int rank, string source)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            var parts = merge.GetString()!.Split(' ');
            if (parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0)
            {
                return (parts[0], parts[1]);
            }
        }
        else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
            && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
        {
            return (merge[0].GetString()!, merge[1].GetString()!);
        }

        throw TokenizerJsonError.Bad(source, $"merge {rank + 1} ({merge.GetRawText()}) is not \"left right\" or [\"left\", \"right\"]");
    }
}

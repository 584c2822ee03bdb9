using System.Text.Json;
using System.Text.RegularExpressions;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// Builds a <c>tokenizer.json</c> <c>pre_tokenizer</c>: <c>Sequence</c>, <c>Split</c>
/// (Isolated or Removed), <c>ByteLevel</c>, <c>Digits</c> and <c>Metaspace</c>; anything else is
/// refused, never skipped.
/// </summary>
internal static class PreTokenizers
{
    /// <summary>The pre-tokenizer, or null for <c>"pre_tokenizer": null</c>.</summary>
    public static IPreTokenizer? Create(JsonElement element, string source)
    {
        if (element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        var type = TokenizerJson.Type(element, "pre_tokenizer", source);
        switch (type)
        {
            case "Sequence":
                return new SequencePreTokenizer([.. TokenizerJson.Array(element, "pretokenizers", source).Select(e => Create(e, source)).OfType<IPreTokenizer>()]);
            case "Split":
                var behavior = TokenizerJson.String(element, "behavior", source);
                if (behavior is not ("Isolated" or "Removed") || TokenizerJson.Bool(element, "invert", absent: false))
                {
                    throw TokenizerJsonError.Unsupported(source, $"Split with behavior '{behavior}' or invert");
                }

                return new SplitPreTokenizer(new CodePointRegex(TokenizerJson.Pattern(element, source)), keepMatches: behavior == "Isolated");
            case "ByteLevel":
                var split = TokenizerJson.Bool(element, "use_regex", absent: true)
                    ? new CodePointRegex(new Regex(ByteLevelPreTokenizer.Gpt2Pattern, RegexOptions.CultureInvariant))
                    : null;
                return new ByteLevelPreTokenizer(TokenizerJson.Bool(element, "add_prefix_space", absent: false), split);
            case "Digits":
                return new DigitsPreTokenizer(TokenizerJson.Bool(element, "individual_digits", absent: false));
            case "Metaspace":
                var replacement = TokenizerJson.OptionalString(element, "replacement") ?? "\u2581";
                if (replacement.Length != 1)
                {
                    throw TokenizerJsonError.Unsupported(source, $"Metaspace replacement '{replacement}'");
                }

                // Older files say add_prefix_space instead of prepend_scheme.
                var scheme = TokenizerJson.OptionalString(element, "prepend_scheme")
                    ?? (TokenizerJson.Bool(element, "add_prefix_space", absent: true) ? "always" : "never");
                if (scheme is not ("always" or "first" or "never"))
                {
                    throw TokenizerJsonError.Unsupported(source, $"Metaspace prepend_scheme '{scheme}'");
                }

                return new MetaspacePreTokenizer(replacement[0], scheme, TokenizerJson.Bool(element, "split", absent: true));
            default:
                throw TokenizerJsonError.Unsupported(source, $"pre_tokenizer '{type}'");
        }
    }
}

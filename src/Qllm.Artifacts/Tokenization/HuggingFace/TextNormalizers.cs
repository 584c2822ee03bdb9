using System.Text;
using System.Text.Json;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>
/// Builds a <c>tokenizer.json</c> <c>normalizer</c>: <c>Sequence</c>, <c>Prepend</c>,
/// <c>Replace</c> and the Unicode normal forms; anything else is refused, never skipped.
/// </summary>
internal static class TextNormalizers
{
    /// <summary>The normalizer, or null for <c>"normalizer": null</c>.</summary>
    public static Func<string, string>? Create(JsonElement element, string source)
    {
        if (element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        var type = TokenizerJson.Type(element, "normalizer", source);
        switch (type)
        {
            case "Sequence":
                var steps = TokenizerJson.Array(element, "normalizers", source).Select(e => Create(e, source)).OfType<Func<string, string>>().ToArray();
                return text =>
                {
                    foreach (var step in steps)
                    {
                        text = step(text);
                    }

                    return text;
                };
            case "Prepend":
                var prefix = TokenizerJson.String(element, "prepend", source);
                return text => text.Length == 0 ? text : prefix + text;
            case "Replace":
                var pattern = TokenizerJson.Pattern(element, source);
                var content = TokenizerJson.String(element, "content", source);
                // An evaluator, not a replacement string: the content is literal ('$' included).
                return text => pattern.Replace(text, _ => content);
            case "NFC":
                return text => text.Normalize(NormalizationForm.FormC);
            case "NFD":
                return text => text.Normalize(NormalizationForm.FormD);
            case "NFKC":
                return text => text.Normalize(NormalizationForm.FormKC);
            case "NFKD":
                return text => text.Normalize(NormalizationForm.FormKD);
            default:
                throw TokenizerJsonError.Unsupported(source, $"normalizer '{type}'");
        }
    }
}

using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Qllm.Build.Tasks.Items;

namespace Qllm.Build.Tasks.Items;

/// <summary>
/// How a validated <see cref="QuantizedModelSpec"/> travels from <see cref="ResolveQuantizedModels"/>
/// to <see cref="QuantizeModel"/> as item metadata. The item is read, validated and its model probed
/// once, in ResolveQuantizedModels; QuantizeModel only reads back the normalised values written here.
/// </summary>
internal static class ResolvedModelItem
{
    /// <summary>Writes what <see cref="Read"/> needs onto <paramref name="resolved"/>, whose ItemSpec becomes the model's full path.</summary>
    public static void Write(TaskItem resolved, QuantizedModelSpec spec)
    {
        resolved.ItemSpec = spec.ModelPath;
        resolved.SetMetadata(ModelMetadata.Calibration, spec.CalibrationPath);
        resolved.SetMetadata(ModelMetadata.Tokenizer, spec.TokenizerPath ?? string.Empty);
        resolved.SetMetadata(ModelMetadata.Device, spec.Device);
        resolved.SetMetadata(ModelMetadata.ClassName, spec.ClassName);
        resolved.SetMetadata(ModelMetadata.Namespace, spec.Namespace);
        resolved.SetMetadata(ModelMetadata.Embed, spec.Embedding.ToString());
        resolved.SetMetadata(ModelMetadata.QuantizationOptions, spec.DescribeOptions());
    }

    /// <summary>
    /// The spec <see cref="Write"/> wrote, without checking it again. Its <see cref="QuantizedModelSpec.Package"/>
    /// is null: the package only names the model and feeds the cache key, both settled by then.
    /// </summary>
    public static QuantizedModelSpec Read(ITaskItem resolved) => new(
        resolved.ItemSpec,
        resolved.GetMetadata(ModelMetadata.Tokenizer) is { Length: > 0 } tokenizer ? tokenizer : null,
        resolved.GetMetadata(ModelMetadata.Calibration),
        ParseOptions(resolved.GetMetadata(ModelMetadata.QuantizationOptions)),
        resolved.GetMetadata(ModelMetadata.Device),
        resolved.GetMetadata(ModelMetadata.ClassName),
        resolved.GetMetadata(ModelMetadata.Namespace),
        Enum.Parse<ModelEmbedding>(resolved.GetMetadata(ModelMetadata.Embed)));

    /// <summary>
    /// The options of <see cref="QuantizedModelSpec.DescribeOptions"/> back as pairs. Splitting on
    /// spaces is exact: every value is a name of the vocabulary or a whole number, never with a space.
    /// </summary>
    public static List<KeyValuePair<string, string>> ParseOptions(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length % 2 != 0 || words.Where((_, i) => i % 2 == 0).Any(w => !w.StartsWith("--", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"\"{text}\" is not a list of options and values", nameof(text));
        }

        return [.. words.Chunk(2).Select(pair => new KeyValuePair<string, string>(pair[0], pair[1]))];
    }
}

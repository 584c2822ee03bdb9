using Qllm.Artifacts.Container;
using Qllm.Core.Errors;
using Qllm.Runtime.Tests.Compute;
using Xunit.Abstractions;

namespace Qllm.Runtime.Tests.Model;

/// <summary>
/// Real engine-written artifacts with <c>rotation.*</c> tensors added: the loader finds the
/// transforms by their names alone and runs them, and refuses broken ones as a bad artifact.
/// </summary>
public sealed class RotatedArtifactTests(QuantizedArtifactsFixture artifacts, ITestOutputHelper output) : IClassFixture<QuantizedArtifactsFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-rotated-").FullName;

    [Fact]
    public void Transforms_that_keep_the_function_keep_the_logits()
    {
        // Float attention (W4A16) does not see an orthogonal head transform; identity factors at
        // the other two sites take the loader's dense (b = 1) path.
        var plainPath = artifacts.Artifact("W4A16");
        var path = Copy(plainPath, "kept.qllm", writer =>
        {
            writer.AddFloat32("rotation.heads.factor", [12, 12], Paley12());
            writer.AddFloat32("rotation.heads.signs", [48], OnlineTransformTests.Signs(48, 7));
            writer.AddFloat32("rotation.residual.factor", [288, 288], Identity(288));
            writer.AddFloat32("rotation.down.factor", [768, 768], Identity(768));
        });

        using var plain = QuantizedLanguageModel.Load(plainPath);
        using var rotated = QuantizedLanguageModel.Load(path);
        var tokens = Tokens(plain);
        double maxDifference = MaxDifference(plain.GetLogits(tokens), rotated.GetLogits(tokens));
        output.WriteLine($"max |Δlogit| {maxDifference:G3}");
        Assert.True(maxDifference < 1e-3, $"max |Δlogit| {maxDifference}");
        Assert.Equal(plain.ModelBytes + ((((2 * 144) + 48) + (2 * 288 * 288) + (2 * 768 * 768)) * 8), rotated.ModelBytes);
    }

    [Fact]
    public void The_head_transform_runs_before_the_state_quantization()
    {
        // With 4-bit q/k states the transform changes what is quantized: the logits move a little.
        var plainPath = artifacts.Artifact("W4A4");
        var path = Copy(plainPath, "heads.qllm", writer => writer.AddFloat32("rotation.heads.factor", [12, 12], Paley12()));

        using var plain = QuantizedLanguageModel.Load(plainPath);
        using var rotated = QuantizedLanguageModel.Load(path);
        var tokens = Tokens(plain);
        var (expected, actual) = (plain.GetLogits(tokens), rotated.GetLogits(tokens));
        double maxDifference = MaxDifference(expected, actual);
        double agreement = Enumerable.Range(0, tokens.Length).Average(p => ArgMax(expected, p, plain.VocabularySize) == ArgMax(actual, p, plain.VocabularySize) ? 1.0 : 0.0);
        output.WriteLine($"max |Δlogit| {maxDifference:G3}, top-1 agreement {agreement:P1}");
        Assert.True(maxDifference > 1e-3, $"max |Δlogit| {maxDifference}");
        Assert.True(agreement > 0.5, $"top-1 agreement {agreement:P1}");
    }

    [Fact]
    public void A_factor_that_is_not_orthonormal() =>
        Assert.Contains("rotation.down.factor", Refused(w => w.AddFloat32("rotation.down.factor", [12, 12], [.. Paley12().Select(v => v * 2)])).Problem, StringComparison.Ordinal);

    [Fact]
    public void A_factor_that_is_not_square() =>
        Assert.Contains("rotation.residual.factor", Refused(w => w.AddFloat32("rotation.residual.factor", [12, 24], new float[288])).Problem, StringComparison.Ordinal);

    [Fact]
    public void A_factor_whose_order_does_not_divide_the_site() =>
        Assert.Contains("rotation.heads.factor", Refused(w => w.AddFloat32("rotation.heads.factor", [5, 5], Identity(5))).Problem, StringComparison.Ordinal);

    [Fact]
    public void Signs_that_are_not_plus_or_minus_one() =>
        Assert.Contains("rotation.heads.signs", Refused(w =>
        {
            w.AddFloat32("rotation.heads.factor", [12, 12], Paley12());
            w.AddFloat32("rotation.heads.signs", [48], Enumerable.Repeat(0.5f, 48).ToArray());
        }).Problem, StringComparison.Ordinal);

    [Fact]
    public void Signs_without_a_factor() =>
        Assert.Contains("rotation.heads.signs", Refused(w => w.AddFloat32("rotation.heads.signs", [48], OnlineTransformTests.Signs(48, 1))).Problem, StringComparison.Ordinal);

    [Fact]
    public void A_transform_site_this_runtime_does_not_know()
    {
        var error = Refused(w => w.AddFloat32("rotation.values.factor", [12, 12], Paley12()));
        Assert.Contains("rotation.values.factor", error.Problem, StringComparison.Ordinal);
        Assert.Contains("upgrade", error.Fix, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Rotation_tensors_without_the_header_flag() =>
        Assert.Contains("does not set the online-transforms flag", Refused(w => w.AddFloat32("rotation.heads.factor", [12, 12], Paley12()), flagged: false).Problem, StringComparison.Ordinal);

    [Fact]
    public void The_header_flag_without_rotation_tensors() =>
        Assert.Contains("holds no rotation tensors", Refused(_ => { }).Problem, StringComparison.Ordinal);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static float[] Paley12() => [.. Dense.Paley12().Select(v => (float)v)];

    private static float[] Identity(int order) => [.. Enumerable.Range(0, order * order).Select(i => i % (order + 1) == 0 ? 1f : 0f)];

    private static int[] Tokens(QuantizedLanguageModel model) =>
        [model.Tokenizer.BosId, .. model.Tokenizer.Encode("Once upon a time, there was a little girl named Lily. She loved to play outside in the sun with her dog.")];

    private static double MaxDifference(float[] expected, float[] actual) => expected.Zip(actual, (e, a) => (double)Math.Abs(e - a)).Max();

    private static int ArgMax(float[] logits, int position, int vocab)
    {
        var row = logits.AsSpan(position * vocab, vocab);
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            best = row[i] > row[best] ? i : best;
        }

        return best;
    }

    private QllmException Refused(Action<ArtifactWriter> addTensors, bool flagged = true)
    {
        var path = Copy(artifacts.Artifact("W4A4"), $"bad-{Guid.NewGuid():N}.qllm", addTensors, flagged);
        var error = Assert.Throws<QllmException>(() => QuantizedLanguageModel.Load(path));
        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
        Assert.Equal(path, error.File);
        return error;
    }

    /// <summary>
    /// A copy of an artifact with tensors added after its own (a valid container: the writer
    /// recomputes the digest), flagged as needing online transforms unless <paramref name="flagged"/> is false.
    /// </summary>
    private string Copy(string source, string name, Action<ArtifactWriter> addTensors, bool flagged = true)
    {
        using var reader = ArtifactReader.Open(source);
        var writer = new ArtifactWriter { Metadata = (System.Text.Json.Nodes.JsonObject)reader.Metadata.DeepClone() };
        foreach (var tensor in reader.TensorsInOrder)
        {
            writer.Add(tensor.Name, tensor.DType, tensor.Shape.ToArray(), reader.GetBytes(tensor), tensor.Attributes);
        }

        addTensors(writer);
        writer.Flags = flagged ? ArtifactFormat.OnlineTransformsFlag : 0;
        var path = Path.Combine(_folder, name);
        writer.Write(path);
        return path;
    }
}

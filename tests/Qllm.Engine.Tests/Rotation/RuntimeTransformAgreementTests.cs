using Qllm.Engine.Rotation;
using Qllm.Runtime.Compute;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

/// <summary>
/// On every width of the models in use, the engine's rotation is a Hadamard transform, and the
/// runtime's online transform (dense base in double, then a fast Walsh–Hadamard transform), built
/// from the factor and signs as the artifact stores them, computes what the engine's dense float64
/// product does: the same floats, but for the rare last-bit difference of summing in another order.
/// </summary>
public sealed class RuntimeTransformAgreementTests
{
    private const int Rows = 8;

    /// <summary>Dims (residual site: with signs), hidden sizes (down site) and head dims (heads site): no signs.</summary>
    public static TheoryData<int, bool> Widths => new()
    {
        { 64, false },     // head dim
        { 128, false },    // head dim
        { 576, true },     // SmolLM2-135M: 144·4
        { 896, true },     // Qwen2.5-0.5B: 28·32
        { 1536, false },   // SmolLM2-135M hidden: 12·128
        { 1792, true },    // 28·64
        { 2048, true },    // TinyLlama, Llama-3.2-1B
        { 3072, true },    // Llama-3.2-3B: 12·256
        { 4864, false },   // Qwen2.5-0.5B hidden: 76·64
        { 5632, false },   // TinyLlama hidden: 44·128
        { 8192, false },   // Llama-3.2-1B hidden
        { 14336, false },  // Mistral-7B, Llama-3-8B hidden: 28·512
    };

    [Theory]
    [MemberData(nameof(Widths))]
    public void The_runtime_transform_is_the_engines_Hadamard_transform(int width, bool signs)
    {
        using var transform = OrthogonalTransforms.Create(width, seed: width, randomSigns: signs);
        Assert.Equal(OnlineTransformKind.Hadamard, transform.Kind);
        int order = (int)transform.Factor.shape[0];
        using var storedFactor = transform.Factor.to(ScalarType.Float32);
        var runtime = new OnlineTransform(storedFactor.data<float>().ToArray(), order, transform.Signs?.Select(v => (float)v).ToArray(), width, "rotation.test", "test.qllm");

        using var scope = NewDisposeScope();
        var x = randn([Rows, width], generator: new Generator((ulong)width)) * 2;
        AssertAgree(transform.Apply(x), x, runtime.Apply);

        AssertAgree(transform.ApplyTranspose(x), x, runtime.ApplyTranspose);
    }

    private static void AssertAgree(Tensor engine, Tensor x, SpanAction runtime)
    {
        var expected = engine.data<float>().ToArray();
        var actual = x.data<float>().ToArray();
        int width = (int)x.shape[1], identical = 0;
        for (int row = 0; row < Rows; row++)
        {
            runtime(actual.AsSpan(row * width, width));
        }

        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Math.Max(float.Epsilon, Math.Abs(expected[i]) * 1.2e-7), $"element {i}: runtime {actual[i]}, engine {expected[i]}");
            identical += actual[i] == expected[i] ? 1 : 0;
        }

        Assert.True(identical >= actual.Length * 0.99, $"{identical} of {actual.Length} identical");
    }

    private delegate void SpanAction(Span<float> row);
}

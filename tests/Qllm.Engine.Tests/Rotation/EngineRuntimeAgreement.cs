using Qllm.Engine.Loading;
using Qllm.Runtime;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Rotation;

/// <summary>Runs a rotated artifact in the engine and in the runtime on the same tokens.</summary>
internal static class EngineRuntimeAgreement
{
    /// <summary>Both give finite logits and the same top-1 token at every position.</summary>
    public static void AssertTopOne(string artifact)
    {
        using var engine = ModelLoader.Load(artifact, null, CPU);
        using var runtime = QuantizedLanguageModel.Load(artifact);
        int[] tokens = [1, 450, 4799, 471, 263, 2217];
        using var noGrad = no_grad();
        using var input = tensor(tokens.Select(t => (long)t).ToArray()).unsqueeze(0);
        using var expected = engine.Model.forward(input);
        var actual = runtime.GetLogits(tokens);
        Assert.True(expected.isfinite().all().item<bool>());
        using var runtimeLogits = tensor(actual, [tokens.Length, expected.shape[^1]]);
        Assert.True(expected[0].argmax(-1).eq(runtimeLogits.argmax(-1)).all().item<bool>(), "the engine and the runtime predict different tokens");
    }
}

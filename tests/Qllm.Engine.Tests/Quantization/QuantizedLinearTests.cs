using Qllm.Engine.Quantization;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization;

public sealed class QuantizedLinearTests
{
    [Fact]
    public void A_fresh_adapter_changes_nothing_and_fusion_keeps_what_training_saw()
    {
        using var generator = new Generator(5);
        var weight = randn([32, 48], generator: generator) * 0.1f;
        var input = randn([3, 48], generator: generator);
        using var linear = new QuantizedLinear(weight, bits: 4, groupSize: null, "test");
        var plain = linear.call(input).detach();
        linear.AttachAdapter(rank: 4, alpha: 1, generator);
        Assert.True(plain.allclose(linear.call(input)), "B starts at zero");

        using (no_grad())
        {
            linear.AdapterParameters.Last().copy_(randn([32, 4], generator: generator) * 0.05f);
        }

        var trained = linear.call(input).detach();
        Assert.False(plain.allclose(trained));
        linear.Fuse();
        Assert.False(linear.HasAdapter);
        Assert.True(trained.allclose(linear.call(input), rtol: 1e-5, atol: 1e-5), "Q(W + sBA) before fusion equals Q(W') after");
    }
}

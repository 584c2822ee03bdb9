using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization.Reassembly;

/// <summary>
/// A synthetic reassembly point: Gaussian activations [tokens, 64] with a few channels 20× larger
/// (the outliers reassembly exists for) and, optionally, odd channels that copy their even
/// neighbour exactly (pairs assembly can merge at no cost), read by two consumer linears.
/// </summary>
internal sealed class PlantedPoint : IDisposable
{
    public const int Channels = 64;

    public static readonly int[] Outliers = [5, 22, 41];

    // (even, odd) pairs whose activations are identical.
    public static readonly (int Even, int Odd)[] Duplicates = [(10, 11), (30, 31), (50, 51), (56, 57)];

    public PlantedPoint(int tokens = 1024, bool outliers = true, bool duplicates = true, long seed = 7)
    {
        using var generator = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var x = randn([tokens, Channels], generator: generator);
        if (outliers)
        {
            var scale = ones(Channels);
            foreach (int c in Outliers)
            {
                scale[c] = 20f;
            }

            x *= scale;
        }

        if (duplicates)
        {
            foreach (var (even, odd) in Duplicates)
            {
                x[TensorIndex.Colon, odd] = x[TensorIndex.Colon, even];
            }
        }

        Activations = x.MoveToOuterDisposeScope();
        Weights = [(randn([48, Channels], generator: generator) * 0.1f).MoveToOuterDisposeScope(), (randn([32, Channels], generator: generator) * 0.1f).MoveToOuterDisposeScope()];
        ChannelMax = Activations.abs().amax([0]).MoveToOuterDisposeScope();
    }

    /// <summary>[tokens, C].</summary>
    public Tensor Activations { get; }

    /// <summary>[C] over all tokens.</summary>
    public Tensor ChannelMax { get; }

    /// <summary>[48, C] and [32, C].</summary>
    public IReadOnlyList<Tensor> Weights { get; }

    /// <summary>x · [W_1; W_2]ᵀ.</summary>
    public static Tensor Output(Tensor x, IEnumerable<Tensor> weights) => x.matmul(cat([.. weights], 0).t());

    public void Dispose()
    {
        Activations.Dispose();
        ChannelMax.Dispose();
        foreach (var w in Weights)
        {
            w.Dispose();
        }
    }
}

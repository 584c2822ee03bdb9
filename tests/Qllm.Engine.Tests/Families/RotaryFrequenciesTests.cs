using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading.HuggingFace;
using Qllm.Engine.Modeling;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Families;

/// <summary>
/// Llama 3's inverse frequencies against values worked out by hand from transformers'
/// <c>_compute_llama3_parameters</c> for the test model's head of 16, θ = 500000, factor 32,
/// low/high frequency factors 1 and 4 and an original context of 8192: the three bands are
/// wavelengths (2π/f) below 8192/4 = 2048 (kept), above 8192/1 (divided by 32), and between
/// (interpolated). Dimensions 0–3 have wavelengths 6.3, 32.4, 167 and 862; dimension 4 has
/// 2π·√500000 = 4442.9; 5–7 have 22911, 118143 and 609226.
/// </summary>
public sealed class RotaryFrequenciesTests
{
    // f_i = 500000^(−i/8).
    private static readonly double[] Plain = [1.0, 0.19392274474868576, 0.03760603093086393, 0.0072926647372171085, 0.001414213562373095, 0.0002742481756762073, 5.318295896944989e-05, 1.031338537721246e-05];

    // Band 4: s = (8192 / 4442.8829 − 1) / (4 − 1) = 0.2812826, f' = (1 − s)·f/32 + s·f.
    private static readonly double[] Scaled = [1.0, 0.19392274474868576, 0.03760603093086393, 0.0072926647372171085, 0.00042955679655936815, 8.570255489881478e-06, 1.661967467795309e-06, 3.2229329303788936e-07];

    [Fact]
    public void Plain_rope_is_theta_to_the_minus_2i_over_d()
    {
        var config = HuggingFaceConfigReader.Parse(FamilyFolders.Llama32, "config.json") with { RopeScaling = null };
        AssertClose(Plain, RotaryFrequencies.Compute(config));
    }

    [Fact]
    public void Llama3_scaling_keeps_high_divides_low_and_interpolates_between()
    {
        var config = HuggingFaceConfigReader.Parse(FamilyFolders.Llama32, "config.json");
        var frequencies = RotaryFrequencies.Compute(config);

        AssertClose(Scaled, frequencies);
        Assert.Equal(Plain[5] / 32, frequencies[5], 15);
        Assert.Equal(((1 - 0.28128260516325104) * Plain[4] / 32) + (0.28128260516325104 * Plain[4]), frequencies[4], 15);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(5000)]
    public void The_engines_rotary_embedding_turns_each_pair_by_the_scaled_angle(int position)
    {
        var config = HuggingFaceConfigReader.Parse(FamilyFolders.Llama32, "config.json");
        using var rope = new RotaryEmbedding(config, CPU);
        int half = config.HeadDim / 2;
        for (int i = 0; i < half; i++)
        {
            // The unit vector along dimension i rotates to (cos, sin) in the pair (i, i + half).
            var values = new float[config.HeadDim];
            values[i] = 1;
            using var unit = tensor(values, [1, 1, 1, config.HeadDim]);
            using var rotated = rope.Apply(unit, position);
            var result = rotated.data<float>().ToArray();
            var angle = position * Scaled[i];
            Assert.Equal(Math.Cos(angle), result[i], 5);
            Assert.Equal(Math.Sin(angle), result[i + half], 5);
        }
    }

    [Fact]
    public void The_runtimes_tables_rotate_as_the_engines_do()
    {
        var config = HuggingFaceConfigReader.Parse(FamilyFolders.Llama32, "config.json") with { SeqLen = 64 };
        var tables = new Qllm.Runtime.Compute.RotaryTables(config);
        var head = new float[config.HeadDim];
        head[7] = 1;
        tables.Apply(head, 63);
        Assert.Equal(Math.Cos(63 * Scaled[7]), head[7], 6);
        Assert.Equal(Math.Sin(63 * Scaled[7]), head[15], 6);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * expected[i], $"dimension {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}

using Qllm.Artifacts.Container;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

/// <summary>Random rows of codes and activations, and the dot products by definition.</summary>
internal static class KernelData
{
    /// <summary>
    /// Column counts that exercise every path: full 64-groups, a 32 half group, a natural tail,
    /// stories15M's widths, and the 512-bit path's two-group steps with each remainder after them.
    /// </summary>
    public static TheoryData<int> Widths => [1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 97, 128, 160, 191, 192, 224, 225, 288, 300, 768];

    public static byte[] Codes(Random random, int count, int bits) => [.. Enumerable.Range(0, count).Select(_ => (byte)random.Next(1 << bits))];

    public static float[] Floats(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 6) - 3))];

    public static byte[] Pack4(byte[] codes) => BitPacking.Pack(codes, 4, 1, codes.Length);

    public static T[] Permuted<T>(T[] natural)
    {
        var permuted = new T[natural.Length];
        PackedLayout.Permute<T>(natural, permuted);
        return permuted;
    }

    public static long Dot(byte[] a, byte[] c) => a.Zip(c, (x, y) => (long)x * y).Sum();

    public static double Dot(float[] a, byte[] c, float zero) => a.Zip(c, (x, y) => (double)x * (y - zero)).Sum();
}

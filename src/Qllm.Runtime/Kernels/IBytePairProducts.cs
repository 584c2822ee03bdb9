using System.Runtime.Intrinsics;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// How 32 unsigned activation bytes times 32 signed weight bytes are summed into eight 32-bit lanes.
/// The integer kernels take the implementation as a struct type argument, so the JIT compiles one
/// copy per instruction set with no branch in the loop, and tests can run each copy by name.
/// </summary>
internal interface IBytePairProducts
{
    /// <summary>sum + the products of <paramref name="a"/> and <paramref name="w"/>, four adjacent products to a lane.</summary>
    static abstract Vector256<int> Add(Vector256<int> sum, Vector256<byte> a, Vector256<sbyte> w);

    /// <summary>sum + the products of both pairs of operands.</summary>
    static abstract Vector256<int> Add(Vector256<int> sum, Vector256<byte> a, Vector256<sbyte> w, Vector256<byte> b, Vector256<sbyte> v);
}

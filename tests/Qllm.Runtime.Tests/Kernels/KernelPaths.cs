using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Tests.Kernels;

/// <summary>
/// The named code paths of the kernels. A path this CPU cannot run is skipped, so a test report
/// shows which paths were checked on this machine; <see cref="InstructionSetRunTests"/> runs the
/// kernel tests again with instruction sets switched off, so that the fallbacks run everywhere.
/// </summary>
internal static class KernelPaths
{
    /// <summary>The trait that marks the tests run again under each instruction set.</summary>
    public const string Category = "Kernels";

    public const string Scalar = "scalar";
    public const string Vector128 = "vector128";
    public const string Avx2 = "avx2";
    public const string AvxVnni = "avx-vnni";
    public const string Avx512 = "avx512bw";

    /// <summary>What the public entry point chose on this CPU.</summary>
    public const string Dispatch = "dispatch";

    public static TheoryData<string> IntegerPaths => [Scalar, Vector128, Avx2, AvxVnni, Avx512, Dispatch];

    public static TheoryData<string> WideIntegerPaths => [Avx2, AvxVnni, Avx512];

    /// <summary>Each path with each width of <see cref="KernelData.Widths"/>.</summary>
    public static TheoryData<string, int> WithWidths(TheoryData<string> paths)
    {
        var data = new TheoryData<string, int>();
        foreach (var path in paths)
        {
            foreach (var width in KernelData.Widths)
            {
                data.Add(path, width);
            }
        }

        return data;
    }

    /// <summary>Skips the calling test where this CPU lacks what <paramref name="path"/> needs.</summary>
    public static void Require(string path)
    {
        switch (path)
        {
            case Avx2:
                Skip.IfNot(System.Runtime.Intrinsics.X86.Avx2.IsSupported && Fma.IsSupported, "this CPU (or DOTNET_EnableAVX2=0) has no AVX2 and FMA");
                break;
            case AvxVnni:
                Skip.IfNot(System.Runtime.Intrinsics.X86.AvxVnni.IsSupported, "this CPU (or DOTNET_EnableAVXVNNI=0) has no AVX-VNNI");
                break;
            case Avx512:
                // The kernels run wherever the instructions exist; the dispatchers also ask for
                // Vector512.IsHardwareAccelerated, which a test of the named path does not need.
                Skip.IfNot(Avx512BW.IsSupported, "this CPU (or DOTNET_EnableAVX512=0) has no AVX-512BW");
                break;
        }
    }
}

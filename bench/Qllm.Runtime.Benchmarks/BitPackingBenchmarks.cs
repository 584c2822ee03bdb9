using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Qllm.Artifacts.Container;

namespace Qllm.Runtime.Benchmarks;

/// <summary>
/// Packing and unpacking ten million codes (10,000 rows of 1,000), what loading an artifact of a
/// large model unpacks. Here rather than in the unit tests: a wall-clock bound there failed on a
/// loaded CI machine without saying anything about the code.
/// <code>dotnet bench/Qllm.Runtime.Benchmarks/bin/Release/net10.0/Qllm.Runtime.Benchmarks.dll packing --job short --inProcess</code>
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Performance", "CA1515:Consider making public types internal", Justification = "BenchmarkDotNet runs public classes only.")]
public class BitPackingBenchmarks
{
    private const int Rows = 10_000;
    private const int Cols = 1_000;
    private byte[] _codes = [];
    private byte[] _packed = [];

    /// <summary>Bits per code.</summary>
    [Params(3, 4)]
    public int Bits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _codes = new byte[Rows * Cols];
        for (var i = 0; i < _codes.Length; i++)
        {
            _codes[i] = (byte)random.Next(1 << Bits);
        }

        _packed = BitPacking.Pack(_codes, Bits, Rows, Cols);
    }

    [Benchmark(Description = "pack 10M codes")]
    public byte[] Pack() => BitPacking.Pack(_codes, Bits, Rows, Cols);

    [Benchmark(Description = "unpack 10M codes")]
    public byte[] Unpack() => BitPacking.Unpack(_packed, Bits, Rows, Cols);
}

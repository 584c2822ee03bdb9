using Qllm.Artifacts.Container;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// A finished linear's integer codes [rows, columns], packed as an artifact stores them
/// (<see cref="BitPacking"/>). A quantization keeps every finished layer's codes until the artifact is
/// written: at 4 bits this holds them in half the bytes of one code per byte (0.45 GB instead of
/// 0.9 GB for a 1B model), and the artifact writer takes these very bytes, without a copy.
/// </summary>
public sealed class PackedCodes
{
    private readonly byte[] _bytes;

    private PackedCodes(byte[] bytes, int bits, int rows, int columns, Device device)
    {
        _bytes = bytes;
        Bits = bits;
        Rows = rows;
        Columns = columns;
        Device = device;
    }

    /// <summary>Bits per code.</summary>
    public int Bits { get; }

    /// <summary>Rows of the matrix.</summary>
    public int Rows { get; }

    /// <summary>Codes per row.</summary>
    public int Columns { get; }

    /// <summary>The device the codes came from, where <see cref="Unpack"/> puts them back.</summary>
    public Device Device { get; }

    /// <summary>The packed bytes, row after row (<see cref="BitPacking"/>).</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>Packs <paramref name="codes"/> (uint8 [rows, columns], each below 2^<paramref name="bits"/>).</summary>
    public static PackedCodes Pack(Tensor codes, int bits)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dtype != ScalarType.Byte || codes.dim() != 2)
        {
            throw new ArgumentException($"codes must be a uint8 matrix, not {codes.dtype} of {codes.dim()} dimensions", nameof(codes));
        }

        using var cpu = codes.cpu();
        using var contiguous = cpu.contiguous();
        int rows = checked((int)codes.shape[0]), columns = checked((int)codes.shape[1]);
        return new PackedCodes(BitPacking.Pack(contiguous.bytes, bits, rows, columns), bits, rows, columns, codes.device);
    }

    /// <summary>The codes one per byte, uint8 [rows, columns] on <see cref="Device"/>; the caller owns them.</summary>
    public Tensor Unpack()
    {
        var codes = empty([Rows, Columns], ScalarType.Byte);
        BitPacking.Unpack(_bytes, Bits, Rows, Columns, codes.bytes);
        if (Device.type == DeviceType.CPU)
        {
            return codes;
        }

        using (codes)
        {
            return codes.to(Device);
        }
    }
}

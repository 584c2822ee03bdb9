using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Qllm.Core.Errors;
using Qllm.Core.IO;

namespace Qllm.Artifacts.Container;

/// <summary>
/// Builds an artifact (docs/artifact-format.md): named tensors plus a JSON metadata object, written
/// in one pass with the SHA-256 trailer last, atomically. Deterministic: the same tensors added in
/// the same order with the same metadata give the same bytes. The writer keeps a copy of each
/// tensor's stored bytes until it is written (codes added already packed are kept, not copied).
/// </summary>
public sealed class ArtifactWriter
{
    private readonly List<(ArtifactTensorInfo Info, ReadOnlyMemory<byte> Data)> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private JsonObject _metadata = [];
    private long _dataLength;
    private uint _flags;

    /// <summary>
    /// The free-form metadata object written into the manifest (config, options, method, input
    /// digests). Starts empty; its properties are written in their insertion order. Numbers must be
    /// finite and nesting at most <see cref="ArtifactFormat.MaxJsonDepth"/> deep.
    /// </summary>
    public JsonObject Metadata
    {
        get => _metadata;
        set => _metadata = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The header's must-understand flags (<see cref="ArtifactFormat.KnownFlags"/>); 0 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bit this format does not define.</exception>
    public uint Flags
    {
        get => _flags;
        set => _flags = (value & ~ArtifactFormat.KnownFlags) == 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "an undefined artifact flag");
    }

    /// <summary>The tensors added so far, in order.</summary>
    public IReadOnlyList<ArtifactTensorInfo> Tensors => _tensors.ConvertAll(t => t.Info);

    /// <summary>Adds a tensor from its stored bytes (little-endian; packed codes already packed).</summary>
    /// <param name="name">A name not used before in this artifact.</param>
    /// <param name="dtype">The element type.</param>
    /// <param name="shape">The logical shape (unpacked, for codes).</param>
    /// <param name="data">Exactly <see cref="ArtifactDTypes.ByteLength"/> bytes.</param>
    /// <param name="attributes">Optional attributes written with the tensor.</param>
    /// <exception cref="ArgumentException">The name is empty or taken, the shape is invalid, or the data's length is wrong.</exception>
    public void Add(string name, ArtifactDType dtype, ReadOnlySpan<long> shape, ReadOnlySpan<byte> data, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null)
    {
        var info = Describe(name, dtype, shape, attributes);
        if (data.Length != info.Length)
        {
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes given, {ArtifactDTypes.Name(dtype)} of shape [{string.Join(", ", shape.ToArray())}] takes {info.Length}", nameof(data));
        }

        Commit(info, data.ToArray());
    }

    /// <summary>Adds an F32 tensor.</summary>
    /// <exception cref="ArgumentException">The name is empty or taken, or the value count does not match the shape.</exception>
    public void AddFloat32(string name, ReadOnlySpan<long> shape, ReadOnlySpan<float> values, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null)
    {
        var info = DescribeElements(name, ArtifactDType.F32, shape, values.Length, attributes);
        var data = new byte[info.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        }

        Commit(info, data);
    }

    /// <summary>Adds an F16 tensor, rounding each value to the nearest binary16 (ties to even).</summary>
    /// <exception cref="ArgumentException">The name is empty or taken, or the value count does not match the shape.</exception>
    public void AddFloat16(string name, ReadOnlySpan<long> shape, ReadOnlySpan<float> values, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null)
    {
        var info = DescribeElements(name, ArtifactDType.F16, shape, values.Length, attributes);
        var data = new byte[info.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(i * 2), (Half)values[i]);
        }

        Commit(info, data);
    }

    /// <summary>Adds an F16 tensor.</summary>
    /// <exception cref="ArgumentException">The name is empty or taken, or the value count does not match the shape.</exception>
    public void AddFloat16(string name, ReadOnlySpan<long> shape, ReadOnlySpan<Half> values, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null)
    {
        var info = DescribeElements(name, ArtifactDType.F16, shape, values.Length, attributes);
        var data = new byte[info.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(i * 2), values[i]);
        }

        Commit(info, data);
    }

    /// <summary>Adds a BF16 tensor, rounding each value to the nearest bfloat16 (ties to even).</summary>
    /// <exception cref="ArgumentException">The name is empty or taken, or the value count does not match the shape.</exception>
    public void AddBFloat16(string name, ReadOnlySpan<long> shape, ReadOnlySpan<float> values, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null)
    {
        var info = DescribeElements(name, ArtifactDType.BF16, shape, values.Length, attributes);
        var data = new byte[info.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(i * 2), BFloat16.FromSingle(values[i]));
        }

        Commit(info, data);
    }

    /// <summary>Adds an I32 tensor.</summary>
    /// <exception cref="ArgumentException">The name is empty or taken, or the value count does not match the shape.</exception>
    public void AddInt32(string name, ReadOnlySpan<long> shape, ReadOnlySpan<int> values, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null)
    {
        var info = DescribeElements(name, ArtifactDType.I32, shape, values.Length, attributes);
        var data = new byte[info.Length];
        var target = MemoryMarshal.Cast<byte, int>(data.AsSpan());
        values.CopyTo(target);
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(target, target);
        }

        Commit(info, data);
    }

    /// <summary>Adds a U8 tensor of raw bytes (for example a tokenizer file).</summary>
    /// <exception cref="ArgumentException">The name is empty or taken, or the byte count does not match the shape.</exception>
    public void AddUInt8(string name, ReadOnlySpan<long> shape, ReadOnlySpan<byte> values, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null) =>
        Add(name, ArtifactDType.U8, shape, values, attributes);

    /// <summary>Packs and adds a rows × cols matrix of <paramref name="bits"/>-bit codes (dtype U<paramref name="bits"/>).</summary>
    /// <param name="name">A name not used before in this artifact.</param>
    /// <param name="bits">Bits per code, 2 to 8.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="cols">Columns (codes per row).</param>
    /// <param name="codes">rows × cols codes, one per byte, row-major, each below 2^bits.</param>
    /// <param name="attributes">Optional attributes written with the tensor.</param>
    /// <exception cref="ArgumentException">The name is empty or taken, the sizes disagree, or a code is too large.</exception>
    public void AddPackedCodes(string name, int bits, int rows, int cols, ReadOnlySpan<byte> codes, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null) =>
        AddPackedCodes(name, bits, [rows, cols], codes, attributes);

    /// <summary>Packs and adds codes of any shape: rows are the last dimension (see <see cref="BitPacking"/>).</summary>
    /// <exception cref="ArgumentException">The name is empty or taken, the sizes disagree, or a code is too large.</exception>
    public void AddPackedCodes(string name, int bits, ReadOnlySpan<long> shape, ReadOnlySpan<byte> codes, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null)
    {
        var info = DescribeElements(name, ArtifactDTypes.PackedCodes(bits), shape, codes.Length, attributes);
        var data = new byte[info.Length];
        if (codes.Length > 0)
        {
            BitPacking.Pack(codes, bits, checked((int)info.Rows), checked((int)info.Columns), data);
        }

        Commit(info, data);
    }

    /// <summary>
    /// Adds codes of any shape that are already packed (see <see cref="BitPacking"/>), keeping
    /// <paramref name="packed"/> itself rather than a copy, so that a quantizer does not hold its
    /// finished weights twice. The bytes must not change until the artifact is written.
    /// </summary>
    /// <param name="name">A name not used before in this artifact.</param>
    /// <param name="bits">Bits per code, 2 to 8.</param>
    /// <param name="shape">The logical shape: rows are the last dimension.</param>
    /// <param name="packed">Exactly the packed length of <paramref name="shape"/>.</param>
    /// <param name="attributes">Optional attributes written with the tensor.</param>
    /// <exception cref="ArgumentException">The name is empty or taken, the shape is invalid, or the length is wrong.</exception>
    public void AddPrepackedCodes(string name, int bits, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> packed, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes = null)
    {
        var info = Describe(name, ArtifactDTypes.PackedCodes(bits), shape, attributes);
        if (packed.Length != info.Length)
        {
            throw new ArgumentException($"tensor '{name}': {packed.Length} packed bytes given, {bits}-bit codes of shape [{string.Join(", ", shape.ToArray())}] take {info.Length}", nameof(packed));
        }

        Commit(info, packed);
    }

    /// <summary>
    /// Writes the artifact to <paramref name="path"/> atomically: under a temporary name, flushed,
    /// then renamed. An interrupted or failed write leaves nothing under <paramref name="path"/>
    /// (and any file that was there intact).
    /// </summary>
    /// <returns>The SHA-256 of the file written, lowercase hex (equal to <see cref="ArtifactReader.Digest"/>).</returns>
    /// <exception cref="QllmException">The file cannot be written (<see cref="ErrorCodes.OutputNotWritable"/>).</exception>
    public string Write(string path) => Write(path, stream => stream);

    /// <summary>Writes the artifact to <paramref name="stream"/> from its current position.</summary>
    /// <returns>The SHA-256 of the bytes written, lowercase hex.</returns>
    public string WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var manifest = ArtifactManifest.Serialize(_metadata, _tensors.ConvertAll(t => t.Info));
        if (manifest.Length > ArtifactFormat.MaxManifestBytes)
        {
            throw new InvalidOperationException($"the manifest is {manifest.Length} bytes, more than the {ArtifactFormat.MaxManifestBytes} a reader accepts; store large data as tensors, not metadata");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Emit(ReadOnlySpan<byte> bytes)
        {
            stream.Write(bytes);
            hash.AppendData(bytes);
        }

        Span<byte> header = stackalloc byte[ArtifactFormat.HeaderLength];
        ArtifactFormat.Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], ArtifactFormat.CurrentVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], _flags);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], (ulong)manifest.Length);
        Emit(header);
        Emit(manifest);

        ReadOnlySpan<byte> zeros = stackalloc byte[ArtifactFormat.Alignment];
        var position = (long)ArtifactFormat.HeaderLength + manifest.Length;
        Emit(zeros[..(int)(ArtifactFormat.AlignUp(position) - position)]);

        var dataPosition = 0L;
        foreach (var (info, data) in _tensors.Where(t => t.Info.Length > 0))
        {
            Emit(zeros[..(int)(info.Offset - dataPosition)]);
            Emit(data.Span);
            dataPosition = info.Offset + info.Length;
        }

        Span<byte> trailer = stackalloc byte[ArtifactFormat.TrailerLength];
        hash.GetCurrentHash(trailer);
        Emit(trailer);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// <see cref="Write(string)"/> through a wrapper around the file's stream: tests use it to make
    /// the disk fail half-way.
    /// </summary>
    internal string Write(string path, Func<Stream, Stream> wrap)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? digest = null;
        AtomicFile.Write(path, stream => digest = WriteTo(wrap(stream)));
        return digest!;
    }

    private ArtifactTensorInfo DescribeElements(string name, ArtifactDType dtype, ReadOnlySpan<long> shape, int count, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes)
    {
        var info = Describe(name, dtype, shape, attributes);
        if (count != info.ElementCount)
        {
            throw new ArgumentException($"tensor '{name}': {count} values given, shape [{string.Join(", ", shape.ToArray())}] has {info.ElementCount}", nameof(shape));
        }

        return info;
    }

    private ArtifactTensorInfo Describe(string name, ArtifactDType dtype, ReadOnlySpan<long> shape, IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_names.Contains(name))
        {
            throw new ArgumentException($"a tensor named '{name}' was already added", nameof(name));
        }

        if (!ArtifactDTypes.TryGetByteLength(dtype, shape, out var length))
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape.ToArray())}] has a negative dimension or is too large", nameof(shape));
        }

        if (attributes is not null && attributes.Keys.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"tensor '{name}': an attribute has an empty name", nameof(attributes));
        }

        // An empty tensor takes no room: offset 0 is always inside the data section.
        var offset = length == 0 ? 0 : ArtifactFormat.AlignUp(_dataLength);
        return new ArtifactTensorInfo(name, dtype, shape.ToArray(), offset, length, attributes);
    }

    private void Commit(ArtifactTensorInfo info, ReadOnlyMemory<byte> data)
    {
        _names.Add(info.Name);
        _tensors.Add((info, data));
        if (info.Length > 0)
        {
            _dataLength = info.Offset + info.Length;
        }
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Container;

/// <summary>
/// An open artifact (docs/artifact-format.md). Opening checks everything before anything is
/// trusted: magic, version, flags, the manifest's length, the SHA-256 trailer over the whole file,
/// the manifest's schema, and every tensor's dtype, size, alignment and place in the data section.
/// After that, a read from the file (<see cref="ReadBytes"/>, and the F32/I32 reads) fails on the
/// file's account only if another process cuts it short (a bad artifact too); a span of the mapping
/// past such a cut faults the process (SIGBUS). Reads are safe from several threads at once.
/// A mapped file must not be changed in place while it is open (qllm never does: it replaces files
/// by renaming a new one over them, which leaves an open mapping on the old content).
/// </summary>
public sealed class ArtifactReader : IDisposable
{
    private readonly ArtifactStorage _storage;
    private readonly long _dataStart;
    private readonly Dictionary<string, ArtifactTensorInfo> _tensors;
    private bool _disposed;

    private ArtifactReader(string source, ArtifactStorage storage, int version, uint flags, long dataStart, ArtifactManifest manifest, string digest)
    {
        Source = source;
        FormatVersion = version;
        Flags = flags;
        _storage = storage;
        _dataStart = dataStart;
        Metadata = manifest.Metadata;
        TensorsInOrder = manifest.Tensors;
        _tensors = manifest.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Digest = digest;
    }

    /// <summary>The file's path, or the name given for a stream; errors name it.</summary>
    public string Source { get; }

    /// <summary>The format version the artifact was written in.</summary>
    public int FormatVersion { get; }

    /// <summary>The header's must-understand flags (only <see cref="ArtifactFormat.KnownFlags"/> get this far).</summary>
    public uint Flags { get; }

    /// <summary>The artifact's total length in bytes.</summary>
    public long Length => _storage.Length;

    /// <summary>The SHA-256 of the whole file, lowercase hex (what <c>sha256sum</c> prints for it).</summary>
    public string Digest { get; }

    /// <summary>Whether the SHA-256 pass was skipped because a memo remembered the file verified (for tests).</summary>
    internal bool DigestRecalled { get; private init; }

    /// <summary>The writer's metadata (config, options, method, input digests). A private copy: changing it changes nothing else.</summary>
    public JsonObject Metadata { get; }

    /// <summary>The tensors, by name.</summary>
    public IReadOnlyDictionary<string, ArtifactTensorInfo> Tensors => _tensors;

    /// <summary>The tensors, in the order the manifest lists them (the order they were added to the writer).</summary>
    public IReadOnlyList<ArtifactTensorInfo> TensorsInOrder { get; }

    /// <summary>Opens and verifies the artifact at <paramref name="path"/>, memory-mapping it.</summary>
    /// <exception cref="QllmException">The file is missing or unreadable, or it is not a valid artifact (<see cref="ErrorCodes.BadArtifact"/>).</exception>
    public static ArtifactReader Open(string path) => Open(path, memo: null);

    /// <summary>
    /// Opens and verifies the artifact at <paramref name="path"/>, memory-mapping it, and skips the
    /// SHA-256 pass over the whole file when <paramref name="memo"/> remembers this file verified
    /// at its present length and write time (and with its present trailer); every other check runs.
    /// A file that verifies is remembered in <paramref name="memo"/> (null: always verify, remember nothing).
    /// </summary>
    /// <exception cref="QllmException">The file is missing or unreadable, or it is not a valid artifact (<see cref="ErrorCodes.BadArtifact"/>).</exception>
    public static ArtifactReader Open(string path, ArtifactVerificationMemo? memo)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, "the artifact does not exist", "check the path, or run qllm quantize to write it", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, $"the artifact cannot be opened ({e.Message})", "check the path and its permissions", e);
        }

        ArtifactStorage? storage = null;
        try
        {
            // Checked before mapping: a zero-length file cannot be mapped, and the header checks
            // below read the first bytes through the mapping.
            CheckMinimumLength(stream.Length, path);

            // The write time of the file that is open (not of whatever the path names by now).
            var file = memo is null ? null : new RememberedFile(memo, Path.GetFullPath(path), File.GetLastWriteTimeUtc(stream.SafeFileHandle).Ticks);
            storage = MappedArtifactStorage.Map(stream);
            return Open(storage, path, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            storage?.Dispose();
            stream.Dispose();
            throw new QllmException(ErrorCodes.InputNotFound, path, $"the artifact cannot be read ({e.Message})", "check the file and its permissions", e);
        }
        catch
        {
            storage?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the artifact held by <paramref name="stream"/> (an embedded resource: memory outside
    /// the GC heap, alive as long as its assembly) in place, from its current position to its end,
    /// without copying it. The reader owns the stream from now on.
    /// </summary>
    /// <param name="stream">The artifact's bytes.</param>
    /// <param name="sourceName">A name for errors, for example the resource name.</param>
    /// <exception cref="QllmException">The bytes are not a valid artifact (<see cref="ErrorCodes.BadArtifact"/>).</exception>
    public static ArtifactReader Open(UnmanagedMemoryStream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        var storage = new UnmanagedArtifactStorage(stream);
        try
        {
            CheckMinimumLength(storage.Length, sourceName);
            return Open(storage, sourceName);
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the artifact from <paramref name="stream"/> (from its current position to its end)
    /// into memory and verifies it. For embedded resources and other streams; prefer the path
    /// overload for files, which maps them instead of copying.
    /// </summary>
    /// <param name="stream">The artifact's bytes; read to the end, not disposed.</param>
    /// <param name="sourceName">A name for errors, for example the resource name.</param>
    /// <exception cref="QllmException">The stream does not hold a valid artifact (<see cref="ErrorCodes.BadArtifact"/>).</exception>
    public static ArtifactReader Open(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArraySegment<byte> bytes;
        if (stream.CanSeek)
        {
            var remaining = stream.Length - stream.Position;
            if (remaining > Array.MaxLength)
            {
                throw ArtifactErrors.Bad(sourceName, $"the stream holds {remaining} bytes, more than fit in memory at once; open the artifact from a file instead");
            }

            CheckMinimumLength(remaining, sourceName);
            var array = GC.AllocateUninitializedArray<byte>((int)remaining);
            stream.ReadExactly(array);
            bytes = array;
        }
        else
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            CheckMinimumLength(copy.Length, sourceName);
            bytes = copy.TryGetBuffer(out var buffer) ? buffer : copy.ToArray();
        }

        return Open(new MemoryArtifactStorage(bytes), sourceName);
    }

    /// <summary>The descriptor of tensor <paramref name="name"/>.</summary>
    /// <exception cref="QllmException">The artifact has no such tensor (<see cref="ErrorCodes.BadArtifact"/>).</exception>
    public ArtifactTensorInfo GetTensor(string name) =>
        _tensors.TryGetValue(name, out var info)
            ? info
            : throw ArtifactErrors.Bad(Source, $"it has no tensor named '{name}'");

    /// <summary>
    /// The stored bytes of tensor <paramref name="name"/>, in place (no copy for a mapped file).
    /// Valid until the reader is disposed.
    /// </summary>
    /// <exception cref="QllmException">No such tensor, or it is larger than one span can hold (2 GiB).</exception>
    public ReadOnlySpan<byte> GetBytes(string name) => GetBytes(GetTensor(name));

    /// <summary>The stored bytes of <paramref name="tensor"/> (a descriptor of this reader), in place.</summary>
    public ReadOnlySpan<byte> GetBytes(ArtifactTensorInfo tensor)
    {
        CheckOwn(tensor);

        if (tensor.Length > int.MaxValue)
        {
            throw ArtifactErrors.Bad(Source, $"tensor '{tensor.Name}' has {tensor.Length} bytes, more than this reader can hand out at once (2 GiB)");
        }

        return _storage.GetSpan(_dataStart + tensor.Offset, (int)tensor.Length);
    }

    /// <summary>
    /// Copies the stored bytes of <paramref name="tensor"/> from byte <paramref name="offset"/> on
    /// into <paramref name="destination"/> (as many as it holds). For a mapped file they are read
    /// from the file, not through the mapping, so that a caller that keeps its own copy (in another
    /// layout, say) does not also keep the mapped pages resident.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the tensor.</exception>
    public void ReadBytes(ArtifactTensorInfo tensor, long offset, Span<byte> destination)
    {
        CheckOwn(tensor);

        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + destination.Length, tensor.Length, nameof(destination));
        Read(_storage, Source, _dataStart + tensor.Offset + offset, destination);
    }

    // A file that was checked at open can still be cut short by another process before its bytes
    // are read: that is a damaged artifact too, not an I/O error without a name.
    private static void Read(ArtifactStorage storage, string source, long offset, Span<byte> destination)
    {
        try
        {
            storage.Read(offset, destination);
        }
        catch (EndOfStreamException e)
        {
            throw ArtifactErrors.Bad(source, $"it became shorter while it was read ({e.Message}): another process truncated or replaced it", e);
        }
    }

    // A descriptor of this open reader: its offset is only meaningful against this file.
    private void CheckOwn(ArtifactTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_tensors.TryGetValue(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
        {
            throw new ArgumentException($"'{tensor.Name}' is not a tensor of this reader", nameof(tensor));
        }
    }

    /// <summary>An F32 tensor's values, in place (no copy for a mapped file). Valid until the reader is disposed.</summary>
    /// <exception cref="QllmException">No such tensor, or it is not F32.</exception>
    /// <exception cref="PlatformNotSupportedException">The machine is big-endian (the file is little-endian).</exception>
    public ReadOnlySpan<float> GetFloat32Span(string name)
    {
        var bytes = GetBytes(Expect(name, ArtifactDType.F32));
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("in-place tensor views need a little-endian machine; use ReadFloat32");
        }

        return MemoryMarshal.Cast<byte, float>(bytes);
    }

    /// <summary>
    /// An F32, F16 or BF16 tensor's values, converted to <see cref="float"/> in a new array. F32 is
    /// read like <see cref="ReadBytes"/>: a small tensor shares its pages with its neighbours, and a
    /// mapped file may map them two megabytes at a time.
    /// </summary>
    /// <exception cref="QllmException">No such tensor, or it is not a float tensor.</exception>
    public float[] ReadFloat32(string name)
    {
        var tensor = GetTensor(name);
        var bytes = GetBytes(tensor);
        var values = NewArray<float>(tensor);
        switch (tensor.DType)
        {
            case ArtifactDType.F32 when BitConverter.IsLittleEndian:
                ReadBytes(tensor, 0, MemoryMarshal.AsBytes(values.AsSpan()));
                break;
            case ArtifactDType.F32:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
                }

                break;
            case ArtifactDType.F16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
                }

                break;
            case ArtifactDType.BF16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BFloat16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]));
                }

                break;
            default:
                throw WrongDType(tensor, "F32, F16 or BF16");
        }

        return values;
    }

    /// <summary>An I32 tensor's values in a new array.</summary>
    /// <exception cref="QllmException">No such tensor, or it is not I32.</exception>
    public int[] ReadInt32(string name)
    {
        var tensor = Expect(name, ArtifactDType.I32);
        var values = NewArray<int>(tensor);
        ReadBytes(tensor, 0, MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(values, values);
        }

        return values;
    }

    /// <summary>A U2–U8 tensor's codes, unpacked one per byte in row-major order, in a new array.</summary>
    /// <exception cref="QllmException">No such tensor, or it is not unsigned codes.</exception>
    public byte[] UnpackCodes(string name)
    {
        var tensor = GetTensor(name);
        if (!ArtifactDTypes.IsUnsignedCodes(tensor.DType))
        {
            throw WrongDType(tensor, "U2 to U8");
        }

        var bytes = GetBytes(tensor);
        var codes = NewArray<byte>(tensor);
        if (codes.Length > 0)
        {
            // Rows and columns fit an int here: their product is the array's length.
            BitPacking.Unpack(bytes, ArtifactDTypes.BitsPerElement(tensor.DType), (int)tensor.Rows, (int)tensor.Columns, codes);
        }

        return codes;
    }

    /// <summary>Unmaps the file. Spans obtained from this reader must not be used afterwards.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _storage.Dispose();
        }
    }

    private static ArtifactReader Open(ArtifactStorage storage, string source, RememberedFile? file = null)
    {
        try
        {
            var (dataStart, manifestBytes, version, flags) = ReadHeader(storage, source);
            var trailer = storage.GetSpan(storage.Length - ArtifactFormat.TrailerLength, ArtifactFormat.TrailerLength);
            var started = DateTime.UtcNow;
            var recalled = file?.Memo.Recall(file.Path, storage.Length, file.LastWriteUtcTicks, trailer);
            var digest = recalled ?? VerifyDigest(storage, source);
            var dataLength = storage.Length - ArtifactFormat.TrailerLength - dataStart;
            var manifest = ArtifactManifest.Parse(manifestBytes, source, version, dataLength);
            CheckDataLayout(storage, source, dataStart, dataLength, manifest.Tensors);
            if (file is not null && recalled is null)
            {
                file.Memo.Remember(file.Path, storage.Length, file.LastWriteUtcTicks, trailer, digest, started);
            }

            return new ArtifactReader(source, storage, version, flags, dataStart, manifest, digest) { DigestRecalled = recalled is not null };
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    private static void CheckMinimumLength(long length, string source)
    {
        if (length < ArtifactFormat.MinimumFileLength)
        {
            throw ArtifactErrors.Bad(source, $"it is {length} bytes long, shorter than the smallest possible artifact ({ArtifactFormat.MinimumFileLength} bytes); it is truncated or not an artifact");
        }
    }

    /// <summary>Checks the fixed header and returns where the data section starts and the manifest's bytes.</summary>
    private static (long DataStart, byte[] Manifest, int Version, uint Flags) ReadHeader(ArtifactStorage storage, string source)
    {
        var header = storage.GetSpan(0, ArtifactFormat.HeaderLength);
        if (!header[..8].SequenceEqual(ArtifactFormat.Magic))
        {
            throw ArtifactErrors.Bad(source, "it is not a qllm artifact (it does not start with the bytes \"QLLMART\\0\")");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version == 0)
        {
            throw ArtifactErrors.Bad(source, "its header says format version 0, which does not exist");
        }

        if (version > ArtifactFormat.CurrentVersion)
        {
            throw ArtifactErrors.TooNew(source, $"it is in artifact format version {version}, and this reader understands up to version {ArtifactFormat.CurrentVersion}");
        }

        var flags = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        if ((flags & ~ArtifactFormat.KnownFlags) != 0)
        {
            throw ArtifactErrors.TooNew(source, $"its header sets flags 0x{flags:X8}, which format version {version} does not define");
        }

        var manifestLength = BinaryPrimitives.ReadUInt64LittleEndian(header[16..]);
        if (manifestLength > ArtifactFormat.MaxManifestBytes)
        {
            throw ArtifactErrors.Bad(source, $"its header claims a {manifestLength}-byte manifest, more than the {ArtifactFormat.MaxManifestBytes} bytes a manifest may have");
        }

        var dataStart = ArtifactFormat.AlignUp(ArtifactFormat.HeaderLength + (long)manifestLength);
        if (dataStart > storage.Length - ArtifactFormat.TrailerLength)
        {
            throw ArtifactErrors.Bad(source, $"its header claims a {manifestLength}-byte manifest, but the file is only {storage.Length} bytes long (is it truncated?)");
        }

        var padding = storage.GetSpan(ArtifactFormat.HeaderLength + (long)manifestLength, (int)(dataStart - ArtifactFormat.HeaderLength - (long)manifestLength));
        if (padding.ContainsAnyExcept((byte)0))
        {
            throw ArtifactErrors.Bad(source, "the padding after its manifest is not zero");
        }

        return (dataStart, storage.GetSpan(ArtifactFormat.HeaderLength, (int)manifestLength).ToArray(), (int)version, flags);
    }

    /// <summary>Checks the trailer against the SHA-256 of everything before it; returns the whole file's SHA-256.</summary>
    private static string VerifyDigest(ArtifactStorage storage, string source)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var covered = storage.Length - ArtifactFormat.TrailerLength;
        // Read in chunks rather than hashed in place, so that a mapped file is not made resident in
        // this process by the pass (a model's products may keep their own copy of most of it).
        var chunk = new byte[Math.Min(covered, 1 << 18)];
        for (var offset = 0L; offset < covered; offset += chunk.Length)
        {
            var part = chunk.AsSpan(0, (int)Math.Min(chunk.Length, covered - offset));
            Read(storage, source, offset, part);
            hash.AppendData(part);
        }

        Span<byte> expected = stackalloc byte[ArtifactFormat.TrailerLength];
        hash.GetCurrentHash(expected);
        var trailer = storage.GetSpan(covered, ArtifactFormat.TrailerLength);
        if (!expected.SequenceEqual(trailer))
        {
            throw ArtifactErrors.Bad(source, "its SHA-256 trailer does not match its content: the file was truncated or changed after it was written");
        }

        hash.AppendData(trailer);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Checks that tensors do not overlap, that the bytes between them are zero padding, and that
    /// the data section ends with the last tensor: every byte of the file is accounted for.
    /// </summary>
    private static void CheckDataLayout(ArtifactStorage storage, string source, long dataStart, long dataLength, IReadOnlyList<ArtifactTensorInfo> tensors)
    {
        var end = 0L;
        ArtifactTensorInfo? previous = null;
        foreach (var tensor in tensors.Where(t => t.Length > 0).OrderBy(t => t.Offset))
        {
            if (tensor.Offset < end)
            {
                throw ArtifactErrors.Bad(source, $"tensors '{previous!.Name}' (data bytes {previous.Offset} to {end}) and '{tensor.Name}' (from byte {tensor.Offset}) overlap");
            }

            CheckZero(storage, source, dataStart + end, tensor.Offset - end);
            end = tensor.Offset + tensor.Length;
            previous = tensor;
        }

        if (end != dataLength)
        {
            throw ArtifactErrors.Bad(source, $"its data section is {dataLength} bytes, but its tensors end at byte {end}");
        }
    }

    private static void CheckZero(ArtifactStorage storage, string source, long offset, long length)
    {
        const int Chunk = 1 << 24;
        for (var done = 0L; done < length; done += Chunk)
        {
            if (storage.GetSpan(offset + done, (int)Math.Min(Chunk, length - done)).ContainsAnyExcept((byte)0))
            {
                throw ArtifactErrors.Bad(source, $"the padding at file bytes {offset + done}.. is not zero");
            }
        }
    }

    private ArtifactTensorInfo Expect(string name, ArtifactDType dtype)
    {
        var tensor = GetTensor(name);
        return tensor.DType == dtype ? tensor : throw WrongDType(tensor, ArtifactDTypes.Name(dtype));
    }

    private T[] NewArray<T>(ArtifactTensorInfo tensor) =>
        tensor.ElementCount <= Array.MaxLength
            ? GC.AllocateUninitializedArray<T>((int)tensor.ElementCount)
            : throw ArtifactErrors.Bad(Source, $"tensor '{tensor.Name}' has {tensor.ElementCount} elements, more than one array can hold");

    private QllmException WrongDType(ArtifactTensorInfo tensor, string expected) =>
        ArtifactErrors.Bad(Source, $"tensor '{tensor.Name}' is {ArtifactDTypes.Name(tensor.DType)}, where {expected} was expected");
}

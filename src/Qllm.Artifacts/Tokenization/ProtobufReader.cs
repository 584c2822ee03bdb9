using System.Buffers.Binary;
using System.Text;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// Forward-only reading of protobuf wire format, bounds-checked: a malformed message throws
/// <see cref="InvalidDataException"/>, never reads outside its bytes.
/// </summary>
internal ref struct ProtobufReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    private int _position;

    public ProtobufReader(ReadOnlySpan<byte> bytes)
    {
        _bytes = bytes;
        _position = 0;
    }

    /// <summary>Whether the message has been read to its end.</summary>
    public readonly bool AtEnd => _position >= _bytes.Length;

    /// <summary>Reads a field's tag: its number and wire type.</summary>
    public (int Field, int WireType) ReadTag()
    {
        var tag = ReadVarint();
        var field = tag >> 3;
        if (field is 0 or > int.MaxValue)
        {
            throw new InvalidDataException($"field number {field} at byte {_position} is invalid");
        }

        return ((int)field, (int)(tag & 7));
    }

    /// <summary>Reads a varint (int32, enum and bool fields).</summary>
    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (AtEnd)
            {
                throw new InvalidDataException("message ends inside a varint");
            }

            var b = _bytes[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("varint longer than 10 bytes");
    }

    /// <summary>Reads an int32 field (negative values are ten-byte varints).</summary>
    public int ReadInt32() => unchecked((int)ReadVarint());

    /// <summary>Reads a float (fixed32) field.</summary>
    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(ReadFixed(4));

    /// <summary>Reads a length-delimited field: bytes, a string or an embedded message.</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_bytes.Length - _position))
        {
            throw new InvalidDataException($"field of {length} bytes at byte {_position} runs past the end of its message");
        }

        return ReadFixed((int)length);
    }

    /// <summary>Reads a string field (UTF-8).</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadLengthDelimited());

    /// <summary>Skips a field of the given wire type.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                ReadFixed(8);
                break;
            case 2:
                ReadLengthDelimited();
                break;
            case 5:
                ReadFixed(4);
                break;
            default:
                throw new InvalidDataException($"wire type {wireType} at byte {_position} is not supported");
        }
    }

    private ReadOnlySpan<byte> ReadFixed(int length)
    {
        if (_bytes.Length - _position < length)
        {
            throw new InvalidDataException($"message ends inside a {length}-byte field");
        }

        var span = _bytes.Slice(_position, length);
        _position += length;
        return span;
    }
}

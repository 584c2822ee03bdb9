using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// The few protobuf wire-format primitives a SentencePiece model needs (varints, fixed32 floats,
/// length-delimited strings and messages), so that writing one does not depend on a generated class.
/// </summary>
internal sealed class ProtobufWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Writes an int32 or enum field; negative values take ten bytes, as protobuf requires.</summary>
    public void WriteInt32(int field, int value)
    {
        WriteTag(field, WireVarint);
        WriteVarint((ulong)(long)value);
    }

    /// <summary>Writes a bool field.</summary>
    public void WriteBool(int field, bool value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(value ? 1UL : 0UL);
    }

    /// <summary>Writes a float field.</summary>
    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireFixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    /// <summary>Writes a string field as UTF-8.</summary>
    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>Writes an embedded message field.</summary>
    public void WriteMessage(int field, ProtobufWriter message)
    {
        ArgumentNullException.ThrowIfNull(message);
        WriteBytes(field, message.WrittenSpan);
    }

    private void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    private void WriteTag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        WriteByte((byte)value);
    }

    private void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }
}

using System.Buffers.Binary;
using System.Text;

namespace Qllm.Engine.Tests.SafeTensors;

/// <summary>Builds safetensors files byte by byte, independently of the writer under test.</summary>
internal static class RawSafeTensors
{
    public static byte[] Build(string headerJson, byte[] data, ulong? headerLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }
}

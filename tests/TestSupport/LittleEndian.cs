using System.Buffers.Binary;

namespace Qllm.TestSupport;

/// <summary>Bytes of hand-built files, little-endian as every format here is.</summary>
internal static class LittleEndian
{
    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return bytes;
    }
}

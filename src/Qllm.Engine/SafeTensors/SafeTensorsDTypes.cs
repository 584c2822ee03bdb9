using static TorchSharp.torch;

namespace Qllm.Engine.SafeTensors;

/// <summary>The safetensors dtype names this engine reads and writes, and their torch element types.</summary>
internal static class SafeTensorsDTypes
{
    private static readonly Dictionary<string, ScalarType> ByName = new(StringComparer.Ordinal)
    {
        ["F64"] = ScalarType.Float64,
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>The names, for error messages.</summary>
    public static string Supported => string.Join(", ", ByName.Keys);

    /// <summary>Maps a safetensors dtype name to a torch element type.</summary>
    public static bool TryParse(string name, out ScalarType type) => ByName.TryGetValue(name, out type);

    /// <summary>The safetensors name of a torch element type, or null when safetensors cannot hold it here.</summary>
    public static string? NameOf(ScalarType type)
    {
        foreach (var (name, candidate) in ByName)
        {
            if (candidate == type)
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>Bytes per element.</summary>
    public static int SizeOf(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a safetensors element type."),
    };
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Qllm.Engine.Loading.HuggingFace;

/// <summary>The file names of a Hugging Face model folder.</summary>
internal static partial class HuggingFaceFiles
{
    /// <summary>The model's configuration.</summary>
    public const string Config = "config.json";

    /// <summary>The weights of an unsharded model.</summary>
    public const string SingleWeights = "model.safetensors";

    /// <summary>The map from tensor name to shard file of a sharded model.</summary>
    public const string ShardIndex = "model.safetensors.index.json";

    /// <summary>The name of shard <paramref name="number"/> (1-based) of <paramref name="count"/>.</summary>
    public static string Shard(int number, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"model-{number:D5}-of-{count:D5}.safetensors");

    /// <summary>Whether <paramref name="fileName"/> is a shard name as <see cref="Shard"/> writes them.</summary>
    public static bool IsShard(string fileName) => ShardPattern().IsMatch(fileName);

    [GeneratedRegex(@"^model-\d{5,}-of-\d{5,}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardPattern();
}

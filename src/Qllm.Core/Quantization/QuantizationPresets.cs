namespace Qllm.Core.Quantization;

/// <summary>
/// The presets the tool, the build tasks and the engine accept. Plain data here, in the assembly
/// every part loads (the tasks without TorchSharp), so that no part keeps a list of its own.
/// </summary>
public static class QuantizationPresets
{
    /// <summary>Every preset, in the order messages list them.</summary>
    public static IReadOnlyList<QuantizationPreset> All { get; } =
    [
        new("W4A4", 4, 4),
        new("W4A8", 4, 8),
        new("W6A6", 6, 6),
        new("W4A16", 4, 16),
    ];

    /// <summary>The preset of a run that names neither a preset nor bits.</summary>
    public static QuantizationPreset Default => All[0];

    /// <summary>The names of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(p => p.Name)];

    /// <summary>The preset named <paramref name="name"/> in any case, or null.</summary>
    public static QuantizationPreset? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}

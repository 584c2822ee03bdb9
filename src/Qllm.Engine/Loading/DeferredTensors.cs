using Qllm.Core.Errors;
using Qllm.Engine.SafeTensors;
using static TorchSharp.torch;

namespace Qllm.Engine.Loading;

/// <summary>
/// Tensors of a checkpoint that stay in their files until asked for: the decoder layers' linears of
/// a Hugging Face folder, read one at a time into float32 when a layer is about to be quantized,
/// so that a model larger than memory in float32 is never held whole. Owns the open files.
/// </summary>
internal sealed class DeferredTensors : IDisposable
{
    private readonly Dictionary<string, SafeTensorsReader> _locations;
    private readonly IReadOnlyList<SafeTensorsReader> _readers;

    /// <summary>Takes ownership of <paramref name="readers"/>; <paramref name="locations"/> names the file of each deferred tensor.</summary>
    public DeferredTensors(Dictionary<string, SafeTensorsReader> locations, IReadOnlyList<SafeTensorsReader> readers)
    {
        _locations = locations;
        _readers = readers;
    }

    /// <summary>The names of the deferred tensors.</summary>
    public IReadOnlyCollection<string> Names => _locations.Keys;

    /// <summary>Whether <paramref name="name"/> is deferred here.</summary>
    public bool Contains(string name) => _locations.ContainsKey(name);

    /// <summary>Reads <paramref name="name"/> into a new float32 CPU tensor; the caller owns it.</summary>
    /// <exception cref="QllmException">The values are not finite, or the file changed since it was opened.</exception>
    public Tensor Read(string name)
    {
        var reader = _locations[name];
        var value = reader.Read(name, ScalarType.Float32);
        if (!AllFinite(value))
        {
            value.Dispose();
            throw NotFinite(name, reader.Path);
        }

        return value;
    }

    /// <summary>
    /// Reads each tensor once in its stored type and checks that it is finite, then lets it go: a
    /// damaged last layer fails before the first is quantized, and memory never holds more than one.
    /// </summary>
    public void RequireFinite()
    {
        foreach (var (name, reader) in _locations)
        {
            using var stored = reader.Read(name);
            if (!AllFinite(stored))
            {
                throw NotFinite(name, reader.Path);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var reader in _readers)
        {
            reader.Dispose();
        }
    }

    private static QllmException NotFinite(string name, string path) =>
        new(ErrorCodes.BadWeights, path, $"tensor '{name}' holds NaN or infinite values", "the model is damaged; fetch or export it again");

    // One summing pass first: a NaN or an infinity anywhere makes the sum NaN or infinite, so a finite
    // sum proves every value finite without isfinite's three temporaries per tensor (a 1B model's
    // check took minutes on a loaded 2-core machine). Only a sum that overflowed is checked value by value.
    private static bool AllFinite(Tensor tensor)
    {
        using (var sum = tensor.sum(ScalarType.Float64))
        {
            if (double.IsFinite(sum.item<double>()))
            {
                return true;
            }
        }

        using var finite = isfinite(tensor);
        using var all = finite.all();
        return all.item<bool>();
    }
}

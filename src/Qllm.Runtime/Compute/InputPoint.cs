using System.Buffers;
using System.Runtime.CompilerServices;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Compute;

/// <summary>
/// What happens to the input of a group of linears before their products: a rotated model's online
/// transform (the down_proj input's), the optional channel reassembly, then, when activations are
/// quantized, per-token quantization: to integer codes when the consumers' bit widths allow exact
/// integer products, else fake-quantized floats. Finally the values are put in the order the
/// consumers' kernels read.
/// </summary>
internal sealed class InputPoint
{
    private const int StackLimit = 4096;

    private readonly OnlineTransform? _transform;
    private readonly ReassemblyMap? _map;
    private readonly int _bits;
    private readonly bool _integer;
    private readonly bool _packedLayout;

    /// <param name="inputColumns">Channels of the raw input.</param>
    /// <param name="map">The reassembly, or null.</param>
    /// <param name="activationBits">Activation bits; 16 or more leaves values in float.</param>
    /// <param name="weightBits">Bits of the consuming weights (decides whether integer products are exact).</param>
    /// <param name="packedLayout">Whether the consumers read packed 4-bit rows (<see cref="PackedLayout"/>).</param>
    /// <param name="transform">The online transform of the raw input, or null; shared, so not counted in <see cref="Bytes"/>.</param>
    public InputPoint(int inputColumns, ReassemblyMap? map, int activationBits, int weightBits, bool packedLayout, OnlineTransform? transform = null)
    {
        if (transform is not null && transform.Length != inputColumns)
        {
            throw new ArgumentException($"a transform of order {transform.Length} on an input of {inputColumns} channels", nameof(transform));
        }

        _transform = transform;
        _map = map;
        _bits = activationBits;
        _integer = activationBits < 16 && IntegerDot.Fits(weightBits, activationBits);
        _packedLayout = packedLayout;
        InputColumns = inputColumns;
        Columns = map?.Columns ?? inputColumns;
    }

    /// <summary>Channels of the raw input.</summary>
    public int InputColumns { get; }

    /// <summary>Channels the consumers read (after reassembly).</summary>
    public int Columns { get; }

    /// <summary>Whether the consumers read integer codes (else float values).</summary>
    public bool Integer => _integer;

    /// <summary>Bytes of the reassembly map.</summary>
    public long Bytes => _map?.Bytes ?? 0;

    /// <summary>Prepares <paramref name="tokens"/> rows of <paramref name="x"/> ([tokens × InputColumns]).</summary>
    public PreparedInput Prepare(ReadOnlySpan<float> x, int tokens) => Prepare(x, tokens, new PreparedInput(tokens, Columns, _integer));

    /// <summary>Prepares <paramref name="tokens"/> rows of <paramref name="x"/> into <paramref name="prepared"/> (of this point's shape), which is returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PreparedInput Prepare(ReadOnlySpan<float> x, int tokens, PreparedInput prepared)
    {
        if (prepared.Tokens != tokens || prepared.Columns != Columns || prepared.Integer != _integer)
        {
            throw new ArgumentException($"a prepared input of {prepared.Tokens} × {prepared.Columns} for {tokens} × {Columns}", nameof(prepared));
        }

        // Wide inputs (a 1B model's down_proj) borrow their rows from the pool rather than
        // allocating them for every call: a decode step allocates nothing.
        float[]? rentedNatural = null, rentedTransformed = null;
        byte[]? rentedCodes = null;
        Span<float> natural = Columns <= StackLimit ? stackalloc float[Columns] : (rentedNatural = ArrayPool<float>.Shared.Rent(Columns)).AsSpan(0, Columns);
        Span<byte> codes = Columns <= StackLimit ? stackalloc byte[Columns] : (rentedCodes = ArrayPool<byte>.Shared.Rent(Columns)).AsSpan(0, Columns);
        Span<float> transformed = _transform is null ? default : InputColumns <= StackLimit ? stackalloc float[InputColumns] : (rentedTransformed = ArrayPool<float>.Shared.Rent(InputColumns)).AsSpan(0, InputColumns);
        for (int t = 0; t < tokens; t++)
        {
            scoped ReadOnlySpan<float> row = x.Slice(t * InputColumns, InputColumns);
            if (_transform is not null)
            {
                row.CopyTo(transformed);
                _transform.Apply(transformed);
                row = transformed;
            }

            if (_map is null)
            {
                row.CopyTo(natural);
            }
            else
            {
                _map.Apply(row, natural);
            }

            if (_integer)
            {
                var (scale, zero, sum) = TokenQuantizer.Quantize(natural, _bits, codes);
                prepared.Scales[t] = scale;
                prepared.Zeros[t] = zero;
                prepared.CodeSums[t] = sum;
                Arrange(codes, prepared.Codes.AsSpan(t * Columns, Columns));
            }
            else
            {
                if (_bits < 16)
                {
                    TokenQuantizer.FakeQuantize(natural, _bits);
                }

                Arrange<float>(natural, prepared.Values.AsSpan(t * Columns, Columns));
            }
        }

        Return(rentedNatural);
        Return(rentedTransformed);
        if (rentedCodes is not null)
        {
            ArrayPool<byte>.Shared.Return(rentedCodes);
        }

        return prepared;
    }

    private static void Return(float[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Arrange<T>(ReadOnlySpan<T> natural, Span<T> destination)
    {
        if (_packedLayout)
        {
            PackedLayout.Permute(natural, destination);
        }
        else
        {
            natural.CopyTo(destination);
        }
    }
}

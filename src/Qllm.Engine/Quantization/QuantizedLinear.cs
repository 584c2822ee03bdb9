using Qllm.Engine.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

// TorchSharp's RegisterComponents names parameters, buffers and submodules after their fields, so
// these fields keep the state dict's names (q_proj, weight, lora_a) rather than the _camelCase rule.
#pragma warning disable IDE1006
/// <summary>
/// A linear layer whose weight is fake-quantized per output row (or group). During error
/// correction it carries a low-rank adapter and trains through the quantizer: the forward uses
/// Q(W + s·B·A) with straight-through rounding, exactly what runs after <see cref="Fuse"/>, rather
/// than the reference's Q(W) + s·B·A (docs/method.md: that mismatch costs accuracy).
/// </summary>
public sealed class QuantizedLinear : nn.Module<Tensor, Tensor>, ICalibrationProducts
{
#pragma warning disable IDE0044 // RegisterComponents discovers parameters through fields; Fuse replaces them.
    private Parameter weight;
    private Parameter? lora_a;
    private Parameter? lora_b;
#pragma warning restore IDE0044
    private readonly int bits;
    private readonly int? groupSize;
    private double loraScale;
    private Tensor? cachedQuantized;
    private QuantizedTensor? rounded;
    private bool adapterRoundsWeight = true;
    private bool weightReleased;

    /// <summary>Wraps a float weight [out, in] (its storage is shared, not copied).</summary>
    public QuantizedLinear(Tensor weight, int bits, int? groupSize, string name)
        : base(name)
    {
        this.weight = new Parameter(weight.detach(), requires_grad: false);
        this.bits = bits;
        this.groupSize = groupSize;
        RegisterComponents();
    }

    /// <summary>The float weight before quantization (the adapter, if any, not yet added).</summary>
    /// <exception cref="InvalidOperationException">The weight was released (<see cref="ReleaseWeight"/>).</exception>
    public Parameter Weight => weightReleased ? throw new InvalidOperationException($"{GetName()}: its float weight was released once its rounding was fixed") : weight;

    /// <summary>Bits per weight.</summary>
    public int Bits => bits;

    /// <summary>Columns per quantization range, or null for one per row.</summary>
    public int? GroupSize => groupSize;

    /// <summary>Whether a low-rank adapter is attached.</summary>
    public bool HasAdapter => lora_a is not null;

    /// <summary>
    /// The rounding fixed by <see cref="FixRounding"/> (GPTQ's codes on the weight's grid), or null while
    /// the weight is rounded to nearest. Owned by this linear until <see cref="LayerQuantizer.Finalize"/>
    /// hands it to the <see cref="IntegerLinear"/> that replaces it.
    /// </summary>
    public QuantizedTensor? Rounded => rounded;

    /// <summary>The adapter's parameters (empty without one).</summary>
    public IEnumerable<Parameter> AdapterParameters => lora_a is null || lora_b is null ? [] : [lora_a, lora_b];

    /// <summary>Attaches a rank-<paramref name="rank"/> adapter: A Kaiming-uniform, B zero, scale alpha / rank (the reference's LoRA init).</summary>
    /// <param name="rank">The adapter's rank.</param>
    /// <param name="alpha">Scale numerator.</param>
    /// <param name="generator">Draws A.</param>
    /// <param name="roundsWeight">
    /// Train through the weight's round-to-nearest (the default). False trains W + s·B·A in float, for
    /// a weight that GPTQ rounds afterwards: the adapter then corrects what the quantized activations
    /// cost, not the nearest rounding that GPTQ replaces.
    /// </param>
    public void AttachAdapter(int rank, double alpha, Generator generator, bool roundsWeight = true)
    {
        if (rounded is not null)
        {
            // Training moves the float weight, but the fixed codes would not follow it.
            throw new InvalidOperationException($"{GetName()}: its rounding is fixed; train the adapter before rounding with GPTQ");
        }

        long rows = weight.shape[0], columns = weight.shape[1];
        var bound = 1.0 / Math.Sqrt(columns); // kaiming_uniform_(a=sqrt(5)) on [rank, in]
        var a = ((rand([rank, columns], generator: generator) * 2 - 1) * bound).to(weight.device);
        lora_a = new Parameter(a, requires_grad: true);
        lora_b = new Parameter(zeros([rows, rank], device: weight.device), requires_grad: true);
        register_parameter(nameof(lora_a), lora_a);
        register_parameter(nameof(lora_b), lora_b);
        loraScale = alpha / rank;
        adapterRoundsWeight = roundsWeight;

        // Disposed, not dropped: the garbage collector does not see native memory, and at a 1B
        // model's block the frozen copies it would leave behind are 700 MB through the training.
        InvalidateCache();
    }

    /// <summary>W ← W + s·B·A and drops the adapter: the weight then quantizes to what training saw.</summary>
    public void Fuse()
    {
        if (lora_a is null || lora_b is null)
        {
            return;
        }

        // In a scope of its own: the product is the size of the weight, and left to the garbage
        // collector it stays allocated long after (native memory it does not see).
        using (no_grad())
        using (NewDisposeScope())
        {
            weight.add_(lora_b.matmul(lora_a) * loraScale);
        }

        _internal_params.Remove(nameof(lora_a));
        _internal_params.Remove(nameof(lora_b));
        lora_a.Dispose();
        lora_b.Dispose();
        lora_a = null;
        lora_b = null;
        InvalidateCache();
    }

    /// <summary>
    /// Fixes the weight's rounding: from now on the layer computes with <paramref name="rounding"/>'s
    /// dequantized values instead of rounding <see cref="Weight"/> to nearest, and finalizing stores
    /// its codes. Takes ownership of <paramref name="rounding"/>; a rounding fixed before is replaced.
    /// </summary>
    /// <param name="rounding">Codes, scales and zeros of the same shape as <see cref="Weight"/> and at <see cref="Bits"/> bits.</param>
    /// <exception cref="InvalidOperationException">An adapter is attached (fuse it first: the rounding must be of the final weight).</exception>
    public void FixRounding(QuantizedTensor rounding)
    {
        ArgumentNullException.ThrowIfNull(rounding);
        if (HasAdapter)
        {
            throw new InvalidOperationException($"{GetName()}: fuse the adapter before fixing the rounding");
        }

        if (!rounding.Codes.shape.SequenceEqual(weight.shape) || rounding.Bits != bits)
        {
            throw new ArgumentException($"{GetName()}: a rounding [{string.Join(", ", rounding.Codes.shape)}] at {rounding.Bits} bits does not fit a weight [{string.Join(", ", weight.shape)}] at {bits} bits", nameof(rounding));
        }

        if (rounded is not null && !ReferenceEquals(rounded, rounding))
        {
            rounded.Dispose();
        }

        rounded = rounding;
        InvalidateCache();
    }

    /// <summary>
    /// Drops this linear's hold on its float weight once the rounding is fixed: from then on the
    /// layer computes with the fixed rounding alone (<see cref="QuantizedWeight"/>,
    /// <see cref="LayerQuantizer.Finalize"/>), so a streamed block need not keep a rounded layer's
    /// float32 weights (176 MB at a 1B layer) while the layers after it are rounded.
    /// </summary>
    /// <exception cref="InvalidOperationException">No rounding is fixed, or an adapter is attached.</exception>
    public void ReleaseWeight()
    {
        if (rounded is null || HasAdapter)
        {
            throw new InvalidOperationException($"{GetName()}: only a linear whose rounding is fixed, with no adapter, computes without its float weight");
        }

        if (!weightReleased)
        {
            _internal_params.Remove(nameof(weight));
            weight.Dispose();
            weightReleased = true;
        }
    }

    /// <summary>The weight as the quantized model uses it: Q(W [+ s·B·A]), or the fixed rounding's values.</summary>
    public Tensor QuantizedWeight()
    {
        if (lora_a is not null && lora_b is not null)
        {
            // Autograd keeps what its backward pass reads; the other weight-sized intermediates go now.
            using var scope = NewDisposeScope();
            var corrected = weight + (lora_b.matmul(lora_a) * loraScale);
            return (adapterRoundsWeight ? UniformQuantizer.FakeQuantize(corrected, bits, groupSize, straightThrough: true) : corrected).MoveToOuterDisposeScope();
        }

        if (cachedQuantized is null)
        {
            // Frozen: quantize once. The weight may still change through Fuse or a caller's in-place
            // edit, which reset the cache. The intermediates, each the size of the weight, are freed
            // here rather than with the caller's scope, which holds them through a layer's forward pass.
            using var scope = NewDisposeScope();
            cachedQuantized = (rounded is not null ? rounded.Dequantize() : UniformQuantizer.FakeQuantize(weight, bits, groupSize)).DetachFromDisposeScope();
        }

        return cachedQuantized;
    }

    /// <summary>
    /// Forgets the cached quantized weight after an in-place change of <see cref="Weight"/>. A fixed
    /// rounding is kept: it was computed from the final weight, and the layer goes on using it.
    /// </summary>
    public void InvalidateCache()
    {
        cachedQuantized?.Dispose();
        cachedQuantized = null;
    }

    /// <inheritdoc />
    public ScalarType? CalibrationProducts { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => CalibrationMath.Linear(input, QuantizedWeight(), CalibrationProducts);

    /// <inheritdoc />
    /// <remarks>The fixed rounding is not disposed: <see cref="LayerQuantizer.Finalize"/> hands it to the <see cref="IntegerLinear"/> that replaces this linear.</remarks>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            InvalidateCache();
            if (!weightReleased)
            {
                weight.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

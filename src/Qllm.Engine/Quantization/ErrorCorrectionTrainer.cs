using Qllm.Engine.Modeling;
using Qllm.Engine.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Qllm.Engine.Quantization;

/// <summary>
/// QLLM's low-rank error correction for one block: rank-r adapters on every linear and the RMSNorm
/// weights are trained with AdamW (linear decay to zero) to make the quantized block, fed the
/// quantized model's inputs, reproduce the full-precision block's outputs; then the adapters are
/// fused into the weights. The steps compute in the layers' <see cref="DecoderLayer.CalibrationProducts"/>
/// (the caller sets them; null would train through the exact double path). Each step takes
/// <see cref="QuantizeOptions.BatchSize"/> samples in a shuffled order (the reference: one), run
/// through the block in slices (<see cref="SliceSamples"/>). On a CPU, single-sample steps of a
/// small model leave the matrix products too small to keep the cores busy; steps of 4, with the
/// learning rate raised for them, kept the fidelity on stories15M in a fraction of the time
/// (docs/benchmarks.md).
/// </summary>
internal static class ErrorCorrectionTrainer
{
    public static void Train(IReadOnlyList<DecoderLayer> block, RotaryEmbedding rope, Tensor inputs, Tensor targets, QuantizeOptions options, Generator generator, Action<int, double>? epochDone, CancellationToken cancellation)
    {
        var linears = block.SelectMany(LayerQuantizer.Linears).ToList();
        foreach (var linear in linears)
        {
            linear.AttachAdapter(options.Rank, options.Alpha, generator, roundsWeight: options.WeightRounding == WeightRounding.Nearest);
        }

        var norms = block.SelectMany(layer => new[] { layer.AttentionNorm.Weight, layer.FeedForwardNorm.Weight }).ToList();
        foreach (var norm in norms)
        {
            norm.requires_grad = true;
        }

        var parameters = linears.SelectMany(l => l.AdapterParameters).Concat(norms).ToList();
        using var optimizer = optim.AdamW(parameters, lr: options.LearningRate, weight_decay: 0);
        long samples = inputs.shape[0];
        long batch = Math.Min(options.BatchSize, samples);
        long steps = ((samples + batch - 1) / batch) * options.Epochs, step = 0;
        long slice = SliceSamples(inputs.shape[1]);
        bool layerByLayer = TrainsLayerByLayer(block.Count, slice * inputs.shape[1], inputs.shape[2]);
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var order = randperm(samples, generator: generator);
            double epochLoss = 0;
            for (long first = 0; first < samples; first += batch)
            {
                cancellation.ThrowIfCancellationRequested();
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = options.LearningRate * (1.0 - ((double)step / steps));
                }

                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var picked = order.narrow(0, first, Math.Min(batch, samples - first)).to(inputs.device);
                epochLoss += Backward(block, rope, inputs, targets, picked, slice, layerByLayer) * picked.shape[0];
                optimizer.step();
                step++;
            }

            order.Dispose();
            MemoryTrace.Mark($"training epoch {epoch + 1}");
            epochDone?.Invoke(epoch, epochLoss / samples);
        }

        foreach (var norm in norms)
        {
            norm.requires_grad = false;
        }

        foreach (var linear in linears)
        {
            linear.Fuse();
        }
    }

    /// <summary>
    /// Adds to the trained parameters' gradients the gradient of the mean loss over the samples
    /// <paramref name="picked"/>, running them through the block <paramref name="sliceSamples"/> at a
    /// time: the step's mean loss is the sum of its slices' losses, each weighted by its share of the
    /// samples, so the gradients add up to the whole step's. With <paramref name="layerByLayer"/>
    /// each slice goes back one layer at a time (<see cref="BackwardLayerByLayer"/>). Returns the
    /// step's mean loss.
    /// </summary>
    public static double Backward(IReadOnlyList<DecoderLayer> block, RotaryEmbedding rope, Tensor inputs, Tensor targets, Tensor picked, long sliceSamples, bool layerByLayer = false)
    {
        long count = picked.shape[0];
        double total = 0;
        for (long at = 0; at < count; at += sliceSamples)
        {
            using (NewDisposeScope())
            {
                var part = picked.narrow(0, at, Math.Min(sliceSamples, count - at));
                double share = (double)part.shape[0] / count;
                total += layerByLayer
                    ? BackwardLayerByLayer(block, rope, inputs.index_select(0, part), targets.index_select(0, part), share)
                    : Backward(Run(block, rope, inputs.index_select(0, part)), targets.index_select(0, part), share);
            }

            ImplicitScalars.Free();
        }

        return total;
    }

    /// <summary>
    /// Whether a block trains layer by layer (<see cref="BackwardLayerByLayer"/>): when it has more
    /// than one layer and a slice's hidden states [tokens, dim] reach <see cref="LayerByLayerValues"/>.
    /// Autograd keeps what the backward pass reads for every layer of the block, on the order of a
    /// hundred such tensors per layer: at a 1B model's 2048-token slice that is over a GB per layer,
    /// while stories15M's slices keep a few MB and train faster without the second forward pass.
    /// </summary>
    public static bool TrainsLayerByLayer(int blockLayers, long sliceTokens, long dim) => blockLayers > 1 && sliceTokens * dim >= LayerByLayerValues;

    /// <summary>Values of a slice's hidden states from which a block trains layer by layer (a 1024-token slice at dim 2048).</summary>
    public const long LayerByLayerValues = 1L << 21;

    private static double Backward(Tensor output, Tensor target, double share)
    {
        var loss = nn.functional.mse_loss(output, target) * share;
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>
    /// The gradients of one slice, as one pass through the block gives them, with autograd holding
    /// one layer's activations at a time instead of the block's: a forward pass without a graph keeps
    /// each layer's input; then from the last layer back, each layer runs again with its graph and
    /// takes the gradient of its output, handing the gradient of its input to the layer before it.
    /// The price is a second forward pass through all but the last layer.
    /// </summary>
    private static double BackwardLayerByLayer(IReadOnlyList<DecoderLayer> block, RotaryEmbedding rope, Tensor input, Tensor target, double share)
    {
        var layerInputs = new List<Tensor> { input };
        using (no_grad())
        {
            for (int i = 0; i + 1 < block.Count; i++)
            {
                layerInputs.Add(block[i].Forward(layerInputs[i], rope));

                // Each layer's freed intermediates would stay in the heap under the next one's and
                // under the backward passes: 1.6 GB after three 1B layers on a 2048-token slice.
                NativeHeap.ReleaseFreed();
            }
        }

        double loss = 0;
        Tensor? outputGradient = null;
        for (int i = block.Count - 1; i >= 0; i--)
        {
            using var layerScope = NewDisposeScope();
            var layerInput = i > 0 ? layerInputs[i].detach().requires_grad_(true) : layerInputs[i];
            var output = block[i].Forward(layerInput, rope);
            if (outputGradient is null)
            {
                loss = Backward(output, target, share);
            }
            else
            {
                output.backward([outputGradient]);
            }

            outputGradient = i > 0 ? layerInput.grad!.detach().MoveToOuterDisposeScope() : null;

            // What the layer's graph held is free now; the next layer's allocations differ in size.
            NativeHeap.ReleaseFreed();
        }

        return loss;
    }

    /// <summary>
    /// Samples of <paramref name="tokensPerSample"/> tokens that go through the block at once within a
    /// step (at least one): about <see cref="SliceTokens"/> tokens. What the backward pass reads is
    /// kept for every layer of the block and every token of the slice, so the slice, not the step,
    /// sets the training's memory. On stories15M, slices of 2 samples instead of steps of 4 at once
    /// took the default recipe's peak from 1009 to 766 MiB; a 1B model's 2048-token samples go one
    /// at a time.
    /// </summary>
    public static long SliceSamples(long tokensPerSample) => CalibrationChunk.Samples(tokensPerSample, SliceTokens);

    /// <summary>Tokens per slice of a training step (<see cref="SliceSamples"/>).</summary>
    public const int SliceTokens = 512;

    /// <summary>Runs the block's layers in order on hidden states [batch, tokens, dim].</summary>
    public static Tensor Run(IReadOnlyList<DecoderLayer> block, RotaryEmbedding rope, Tensor hidden)
    {
        using var scope = NewDisposeScope();
        foreach (var layer in block)
        {
            hidden = layer.Forward(hidden, rope);
        }

        return hidden.MoveToOuterDisposeScope();
    }
}

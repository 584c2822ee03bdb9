using System.Runtime.InteropServices;
using Qllm.Engine.Modeling;
using Qllm.Engine.Torch;
using Qllm.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Evaluation;

/// <summary>
/// Something that scores evaluation windows: the engine's model, or a quantized artifact run by
/// Qllm.Runtime (what apps run), so that <c>qllm eval</c> measures either with the same arithmetic.
/// </summary>
/// <param name="SeqLen">The context: tokens per window.</param>
/// <param name="VocabSize">Width of a row of logits.</param>
/// <param name="Write">
/// Given one window's ids (SeqLen of them, BOS first), writes its raw logits, float32 and row-major,
/// into the destination ([SeqLen × VocabSize]). It may be called from several threads at once, one
/// window each.
/// </param>
public sealed record WindowLogits(int SeqLen, int VocabSize, WindowLogitsWriter Write)
{
    /// <summary>
    /// The engine's model, one window per forward pass. Windows on several threads run side by side;
    /// on the CPU each then wants one libtorch thread (see <see cref="PerplexityEvaluator"/>).
    /// </summary>
    public static WindowLogits Of(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        return new(config.SeqLen, config.VocabSize, (window, destination) =>
        {
            using (NewDisposeScope())
            using (no_grad())
            {
                var ids = new long[window.Length];
                for (int i = 0; i < ids.Length; i++)
                {
                    ids[i] = window[i];
                }

                var input = tensor(ids, [1, ids.Length], device: model.Device);
                var logits = model.Logits(input, cache: null, start: 0).to(ScalarType.Float32).cpu().contiguous();
                var values = MemoryMarshal.Cast<byte, float>(logits.bytes);
                if (values.Length != ids.Length * config.VocabSize)
                {
                    // A view into a larger storage: copy it out first.
                    values = MemoryMarshal.Cast<byte, float>(logits.clone().bytes);
                }

                values.CopyTo(destination);
            }

            ImplicitScalars.Free();
        });
    }

    /// <summary>
    /// A quantized artifact run by Qllm.Runtime. A model loaded with one thread runs each window
    /// without any hand-off between threads; windows on several threads run side by side, each with
    /// its own sequence state. A position's products do not depend on which thread computes them, so
    /// neither do the logits.
    /// </summary>
    public static WindowLogits Of(QuantizedLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(model.ContextLength, model.VocabularySize, model.GetLogits);
    }
}

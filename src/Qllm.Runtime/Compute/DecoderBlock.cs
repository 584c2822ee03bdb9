using System.Runtime.CompilerServices;
using Qllm.Artifacts.Schema;
using Qllm.Runtime.Model;

namespace Qllm.Runtime.Compute;

/// <summary>
/// One decoder layer: RMSNorm, attention with a KV cache, RMSNorm, SwiGLU, each with its residual.
/// <paramref name="headTransform"/> is a rotated model's transform of the query and key heads (null: none);
/// <paramref name="biases"/> are Qwen2's q/k/v biases (null: none).
/// </summary>
internal sealed class DecoderBlock(
    int index,
    LlamaConfig config,
    float[] attentionNorm,
    float[] feedForwardNorm,
    LinearGroup queryKeyValue,
    LinearGroup output,
    LinearGroup gateUp,
    LinearGroup down,
    OnlineTransform? headTransform,
    int stateBits,
    QkvBiases? biases = null)
{
    public long Bytes => ((attentionNorm.Length + feedForwardNorm.Length) * 4L) + queryKeyValue.Bytes + output.Bytes + gateUp.Bytes + down.Bytes + (biases?.Bytes ?? 0);

    /// <summary>Advances <paramref name="hidden"/> ([tokens × dim], in place) through the layer at positions start..., in the buffers of the state's scratch (sized for <paramref name="tokens"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(float[] hidden, int tokens, InferenceState state, int start, RotaryTables rope, Workers workers)
    {
        var scratch = state.Scratch!;
        double eps = config.RmsNormEps;
        var normed = scratch.Normed;
        RmsNorm.Apply(hidden, attentionNorm, eps, normed, tokens);
        var qkv = scratch.QueryKeyValue;
        float[] q = qkv[0], k = qkv[1], v = qkv[2];
        queryKeyValue.Run(normed, tokens, qkv, workers, scratch);
        biases?.AddTo(q, k, v, tokens);
        long started = ForwardProfile.Start();
        Attention.Run(config, q, k, v, tokens, state.Keys[index], state.Values[index], start, rope, headTransform, stateBits, normed, workers, scratch.Heads, scratch.Attention);
        ForwardProfile.Stop(ForwardStage.Attention, started);
        var attended = scratch.Attended;
        output.Run(normed, tokens, scratch.AttendedOutput, workers, scratch);
        Add(hidden, attended);

        RmsNorm.Apply(hidden, feedForwardNorm, eps, normed, tokens);
        var gateUpOutputs = scratch.GateUp;
        float[] gate = gateUpOutputs[0], up = gateUpOutputs[1];
        gateUp.Run(normed, tokens, gateUpOutputs, workers, scratch);
        scratch.SwiGlu.Run(gate, up, gate.Length, workers);

        down.Run(gate, tokens, scratch.AttendedOutput, workers, scratch);
        Add(hidden, attended);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Add(Span<float> target, ReadOnlySpan<float> addend)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] += addend[i];
        }
    }
}

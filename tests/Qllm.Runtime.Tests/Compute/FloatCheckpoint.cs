using System.Runtime.InteropServices;
using Qllm.Artifacts.Schema;
using Qllm.Runtime.Model;

namespace Qllm.Runtime.Tests.Compute;

/// <summary>The weights of a llama2.c float32 checkpoint (stories15M.bin), as plain arrays a test can rotate.</summary>
internal sealed class FloatCheckpoint
{
    private FloatCheckpoint(LlamaConfig config) => Config = config;

    public LlamaConfig Config { get; }

    public float[] Embedding { get; private set; } = [];

    public float[] FinalNorm { get; private set; } = [];

    /// <summary>Per layer: input_layernorm, q, k, v, o, post_attention_layernorm, gate, down, up (run.c's order).</summary>
    public float[][][] Layers { get; private set; } = [];

    public static FloatCheckpoint Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var header = MemoryMarshal.Cast<byte, int>(bytes.AsSpan(0, 28));
        int dim = header[0], hidden = header[1], layers = header[2], heads = header[3], kvHeads = header[4], vocab = Math.Abs(header[5]), seqLen = header[6];
        var config = new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, seqLen, 1e-5, 10000, header[5] > 0, RopeLayout.Interleaved);
        long at = 28;
        float[] Take(long count)
        {
            var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)at, (int)(count * 4))).ToArray();
            at += count * 4;
            return values;
        }

        float[][] PerLayer(long count) => [.. Enumerable.Range(0, layers).Select(_ => Take(count))];
        var checkpoint = new FloatCheckpoint(config) { Embedding = Take((long)vocab * dim) };
        int kvDim = config.KvDim;
        var parts = new[]
        {
            PerLayer(dim), PerLayer(dim * dim), PerLayer(kvDim * dim), PerLayer(kvDim * dim), PerLayer(dim * dim),
            PerLayer(dim), PerLayer(hidden * dim), PerLayer(dim * hidden), PerLayer(hidden * dim),
        };
        checkpoint.Layers = [.. Enumerable.Range(0, layers).Select(l => parts.Select(p => p[l]).ToArray())];
        checkpoint.FinalNorm = Take(dim);
        return checkpoint;
    }
}

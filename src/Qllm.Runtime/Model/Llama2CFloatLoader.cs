using System.Runtime.InteropServices;
using Qllm.Artifacts.Schema;
using Qllm.Core.Errors;
using Qllm.Runtime.Compute;

namespace Qllm.Runtime.Model;

/// <summary>
/// Reads a llama2.c float32 checkpoint (the legacy format: a 7-int header, then every weight in
/// run.c's order) into <see cref="DenseMatrix"/> weights, so the full-precision model runs through
/// the same forward pass as the quantized ones: the fair baseline for the runtime's benchmark.
/// </summary>
internal static class Llama2CFloatLoader
{
    public static Transformer Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 28)
        {
            throw Bad(path, "it is shorter than the 28-byte header");
        }

        var header = MemoryMarshal.Cast<byte, int>(bytes.AsSpan(0, 28));
        int dim = header[0], hidden = header[1], layers = header[2], heads = header[3], kvHeads = header[4], vocab = Math.Abs(header[5]), seqLen = header[6];
        bool shared = header[5] > 0;
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || seqLen <= 0 || dim % heads != 0 || heads % kvHeads != 0)
        {
            throw Bad(path, $"its header (dim {dim}, hidden {hidden}, layers {layers}, heads {heads}/{kvHeads}, context {seqLen}) describes no model");
        }

        var config = new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, seqLen, 1e-5, 10000, shared, RopeLayout.Interleaved);
        int headDim = dim / heads, kvDim = config.KvDim;
        long needed = 28 + (4L * ((vocab * (long)dim) + (layers * ((2L * dim) + (2L * dim * dim) + (2L * dim * kvDim) + (3L * dim * hidden))) + dim + (seqLen * (long)headDim) + (shared ? 0 : vocab * (long)dim)));
        // Exactly: extra bytes mean the header does not describe this file (as the engine's reader says).
        if (bytes.Length != needed)
        {
            throw Bad(path, $"it holds {bytes.Length} bytes and its header needs {needed}");
        }

        long at = 0;
        float[] Take(long count)
        {
            var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)(28 + (at * 4)), (int)(count * 4))).ToArray();
            at += count;
            return values;
        }

        DenseMatrix[] Matrices(int rows, int columns) => [.. Enumerable.Range(0, layers).Select(_ => new DenseMatrix(Take((long)rows * columns), rows, columns))];
        float[][] Vectors() => [.. Enumerable.Range(0, layers).Select(_ => Take(dim))];

        var embedding = new DenseMatrix(Take((long)vocab * dim), vocab, dim);
        var attentionNorms = Vectors();
        var (wq, wk, wv, wo) = (Matrices(dim, dim), Matrices(kvDim, dim), Matrices(kvDim, dim), Matrices(dim, dim));
        var feedForwardNorms = Vectors();
        var (gate, down, up) = (Matrices(hidden, dim), Matrices(dim, hidden), Matrices(hidden, dim));
        var finalNorm = Take(dim);
        at += seqLen * headDim; // run.c's precomputed rotary tables, recomputed here
        var classifier = shared ? embedding : new DenseMatrix(Take((long)vocab * dim), vocab, dim);

        InputPoint Plain(int columns) => new(columns, null, 16, 32, packedLayout: false);
        var blocks = Enumerable.Range(0, layers).Select(i => new DecoderBlock(
            i,
            config,
            attentionNorms[i],
            feedForwardNorms[i],
            new LinearGroup(Plain(dim), wq[i], wk[i], wv[i]),
            new LinearGroup(Plain(dim), wo[i]),
            new LinearGroup(Plain(dim), gate[i], up[i]),
            new LinearGroup(Plain(hidden), down[i]),
            headTransform: null,
            stateBits: 0)).ToList();
        return new Transformer(config, embedding, blocks, finalNorm, new LinearGroup(Plain(dim), classifier), OnlineTransforms.None);
    }

    private static QllmException Bad(string path, string problem) =>
        new(ErrorCodes.BadCheckpoint, path, problem, "pass a llama2.c float32 checkpoint such as stories15M.bin");
}

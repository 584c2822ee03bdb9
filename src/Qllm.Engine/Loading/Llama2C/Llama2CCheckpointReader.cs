using Qllm.Artifacts.Container;
using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Core.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Loading.Llama2C;

/// <summary>
/// Reads llama2.c's legacy checkpoint format: a header of seven int32 (dim, hidden_dim, n_layers,
/// n_heads, n_kv_heads, vocab_size — negative when the classifier is stored separately — and
/// seq_len), then float32 tensors in a fixed order, each layer's tensors stacked over layers.
/// Tensors are read straight from the file into tensor memory, so the file is never held twice.
/// </summary>
public static class Llama2CCheckpointReader
{
    private const int HeaderBytes = 7 * sizeof(int);

    /// <summary>The extension of qllm artifacts.</summary>
    private const string ArtifactExtension = ".qllm";

    /// <summary>How every artifact manifest names its format (<see cref="ArtifactFormat.FormatName"/> as a JSON string).</summary>
    private static ReadOnlySpan<byte> ArtifactManifestMarker => "\"qllm-artifact\""u8;

    /// <summary>Reads the header only.</summary>
    public static LlamaConfig ReadConfig(string path)
    {
        using var stream = Open(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Reads the whole checkpoint.</summary>
    public static LlamaCheckpoint Read(string path)
    {
        using var stream = Open(path);
        var config = ReadHeader(stream, path);
        var expected = ExpectedBytes(config);
        if (stream.Length < expected)
        {
            throw new QllmException(
                ErrorCodes.BadCheckpoint,
                path,
                $"the llama2.c checkpoint is truncated: its header describes {expected:N0} bytes but the file has {stream.Length:N0}",
                "download or export the checkpoint again");
        }

        // Bytes after the last tensor mean the header does not describe this file (another model,
        // another export version, or a damaged copy); reading the prefix would run the wrong weights.
        if (stream.Length > expected)
        {
            throw new QllmException(
                ErrorCodes.BadCheckpoint,
                path,
                $"the llama2.c checkpoint's length disagrees with its header: the header describes {expected:N0} bytes but the file has {stream.Length:N0} ({stream.Length - expected:N0} too many)",
                "pass the checkpoint as llama2.c's export.py wrote it (legacy format), or download it again");
        }

        var tensors = new Dictionary<string, Tensor>();
        try
        {
            int d = config.Dim, h = config.HiddenDim, n = config.Layers;
            tensors[TensorNames.Embedding] = ReadTensor(stream, config.VocabSize, d);
            ReadStacked(stream, tensors, n, TensorNames.AttentionNorm, d);
            ReadStacked(stream, tensors, n, l => TensorNames.Linear(l, "self_attn.q_proj"), d, d);
            ReadStacked(stream, tensors, n, l => TensorNames.Linear(l, "self_attn.k_proj"), config.KvDim, d);
            ReadStacked(stream, tensors, n, l => TensorNames.Linear(l, "self_attn.v_proj"), config.KvDim, d);
            ReadStacked(stream, tensors, n, l => TensorNames.Linear(l, "self_attn.o_proj"), d, d);
            ReadStacked(stream, tensors, n, TensorNames.FeedForwardNorm, d);
            ReadStacked(stream, tensors, n, l => TensorNames.Linear(l, "mlp.gate_proj"), h, d); // w1
            ReadStacked(stream, tensors, n, l => TensorNames.Linear(l, "mlp.down_proj"), d, h); // w2
            ReadStacked(stream, tensors, n, l => TensorNames.Linear(l, "mlp.up_proj"), h, d);   // w3
            tensors[TensorNames.FinalNorm] = ReadTensor(stream, d);

            // Legacy freq_cis_real and freq_cis_imag: recomputed at run time, so skipped.
            stream.Seek((long)config.SeqLen * config.HeadDim * sizeof(float), SeekOrigin.Current);
            if (!config.TiedEmbeddings)
            {
                tensors[TensorNames.Classifier] = ReadTensor(stream, config.VocabSize, d);
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }

            throw;
        }

        return new LlamaCheckpoint(config, tensors, path);
    }

    /// <summary>The number of bytes a checkpoint with this header must have.</summary>
    internal static long ExpectedBytes(LlamaConfig c)
    {
        long d = c.Dim, l = c.Layers, kv = c.KvDim;
        long floats = (long)c.VocabSize * d
            + (l * d * 2)
            + (l * d * d * 2) + (l * d * kv * 2)
            + (l * d * c.HiddenDim * 3)
            + d
            + ((long)c.SeqLen * c.HeadDim)
            + (c.TiedEmbeddings ? 0 : (long)c.VocabSize * d);
        return HeaderBytes + (floats * sizeof(float));
    }

    private static FileStream Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, "the model file does not exist", "check the path, or run `qllm setup` to fetch stories15M");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        try
        {
            RefuseArtifact(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        return stream;
    }

    /// <summary>
    /// Decides by content, not only by name, that the file is no llama2.c checkpoint but a qllm
    /// artifact, a damaged one, or a file named as one: otherwise its bytes would be read as a
    /// llama2.c header and the error would speak of dimensions or a missing tokenizer.bin.
    /// </summary>
    private static void RefuseArtifact(FileStream stream, string path)
    {
        var head = new byte[Math.Min(stream.Length, 4096)];
        stream.ReadExactly(head);
        stream.Position = 0;
        if (head.AsSpan().StartsWith(ArtifactFormat.Magic))
        {
            throw new QllmException(ErrorCodes.BadCheckpoint, path, "the file is a qllm artifact, not a llama2.c checkpoint", "pass the llama2.c .bin checkpoint or Hugging Face folder the artifact was quantized from");
        }

        // The manifest follows the 24-byte header and names the format: a file that has it but not
        // the magic is an artifact whose first bytes were damaged.
        if (head.AsSpan().IndexOf(ArtifactManifestMarker) >= 0)
        {
            throw ArtifactErrors.Bad(path, "the file is a damaged qllm artifact: its manifest is there but it does not start with the artifact magic (QLLMART)");
        }

        if (path.EndsWith(ArtifactExtension, StringComparison.OrdinalIgnoreCase))
        {
            throw new QllmException(
                ErrorCodes.BadArtifact,
                path,
                $"not a qllm artifact: the file is named {ArtifactExtension} but does not start with the artifact magic",
                "pass an artifact written by `qllm quantize`, or rename a llama2.c checkpoint to .bin");
        }
    }

    private static LlamaConfig ReadHeader(FileStream stream, string path)
    {
        Span<int> header = stackalloc int[7];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(header);
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
        {
            throw new QllmException(ErrorCodes.BadCheckpoint, path, $"the file is {stream.Length} bytes, shorter than a llama2.c header", "pass a llama2.c .bin checkpoint or a Hugging Face folder");
        }

        int dim = header[0], hidden = header[1], layers = header[2], heads = header[3], kvHeads = header[4], vocab = header[5], seqLen = header[6];
        bool shared = vocab > 0;
        vocab = Math.Abs(vocab);

        // Bounds that any real LLaMA satisfies; they stop a random file from asking for terabytes.
        bool plausible = dim is > 0 and <= 65536 && hidden is > 0 and <= 262144 && layers is > 0 and <= 1024
            && heads > 0 && dim % heads == 0 && kvHeads > 0 && kvHeads <= heads && heads % kvHeads == 0
            && (dim / heads) % 2 == 0 && vocab is > 0 and <= 1_048_576 && seqLen is > 0 and <= 1_048_576;
        if (!plausible)
        {
            throw new QllmException(
                ErrorCodes.BadCheckpoint,
                path,
                $"the header is not a llama2.c model (dim={dim}, hidden_dim={hidden}, n_layers={layers}, n_heads={heads}, n_kv_heads={kvHeads}, vocab_size={header[5]}, seq_len={seqLen})",
                "pass a llama2.c .bin checkpoint (legacy format) or a Hugging Face folder");
        }

        return new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, seqLen, RmsNormEps: 1e-5, RopeTheta: 10000, TiedEmbeddings: shared, RopeLayout.Interleaved);
    }

    private static void ReadStacked(FileStream stream, Dictionary<string, Tensor> tensors, int layers, Func<int, string> name, params long[] shape)
    {
        for (int layer = 0; layer < layers; layer++)
        {
            tensors[name(layer)] = ReadTensor(stream, shape);
        }
    }

    private static Tensor ReadTensor(FileStream stream, params long[] shape)
    {
        var tensor = empty(shape, ScalarType.Float32);
        stream.ReadExactly(tensor.bytes);
        return tensor;
    }
}

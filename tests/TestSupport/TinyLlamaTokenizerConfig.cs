using System.Text.Json.Nodes;

namespace Qllm.TestSupport;

/// <summary>
/// TinyLlama-1.1B-Chat-v1.0's <c>tokenizer_config.json</c> as published (the fields it has), with its
/// Zephyr-style chat template: the folder ships it beside <c>tokenizer.model</c> and <c>tokenizer.json</c>.
/// </summary>
internal static class TinyLlamaTokenizerConfig
{
    public const string ChatTemplate =
        "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

    public static string Json()
    {
        static JsonObject Special(string content) => new()
        {
            ["content"] = content,
            ["lstrip"] = false,
            ["normalized"] = false,
            ["rstrip"] = false,
            ["single_word"] = false,
            ["special"] = true,
        };

        return new JsonObject
        {
            ["add_bos_token"] = true,
            ["add_eos_token"] = false,
            ["added_tokens_decoder"] = new JsonObject { ["0"] = Special("<unk>"), ["1"] = Special("<s>"), ["2"] = Special("</s>") },
            ["bos_token"] = "<s>",
            ["chat_template"] = ChatTemplate,
            ["clean_up_tokenization_spaces"] = false,
            ["eos_token"] = "</s>",
            ["legacy"] = false,
            ["model_max_length"] = 2048,
            ["pad_token"] = "</s>",
            ["padding_side"] = "right",
            ["sp_model_kwargs"] = new JsonObject(),
            ["tokenizer_class"] = "LlamaTokenizer",
            ["unk_token"] = "<unk>",
            ["use_default_system_prompt"] = false,
        }.ToJsonString();
    }
}

using System.Text.Json.Nodes;
using Qllm.Engine.Conversion;
using Qllm.Engine.Quantization;
using Qllm.Engine.Rotation;
using Qllm.Engine.Torch;
using static TorchSharp.torch;

namespace Qllm.TestSupport;

/// <summary>
/// Two small stories15M artifacts for the chat tests, quantized once per test class by
/// round-to-nearest (no calibration pass, seconds): <see cref="Plain"/> with its llama2.c tokenizer
/// (no chat template), and <see cref="Templated"/> with a real 32000-token tokenizer.json (the
/// @lenml "llama2" package, Mistral's vocabulary) whose tokenizer_config.json is given Mistral
/// Instruct's chat template. The weights do not know that vocabulary, so its text is not English;
/// it tests the prompt, the BOS and the stop tokens, not the answers. <see cref="TinyLlamaShaped"/> is
/// stories15M converted to a Hugging Face LLaMA folder (tokenizer.model, Llama 2's vocabulary as
/// TinyLlama's) with TinyLlama-Chat's tokenizer_config.json beside it, quantized from the folder.
/// </summary>
public sealed class ChatArtifactsFixture : IDisposable
{
    /// <summary>Mistral-7B-Instruct-v0.1's template: BOS written by the template, [INST] turns, EOS after answers.</summary>
    public const string MistralTemplate =
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-chat-").FullName;
    private readonly Lazy<string> _plain;
    private readonly Lazy<string> _templated;
    private readonly Lazy<string> _tinyLlamaShaped;

    public ChatArtifactsFixture()
    {
        TorchRuntime.Initialize(DeviceRequest.Cpu);
        _plain = new Lazy<string>(() => Quantize("plain", null));
        _templated = new Lazy<string>(() => Quantize("templated", TemplatedTokenizer()));
        _tinyLlamaShaped = new Lazy<string>(() => Quantize("tinyllama", null, TinyLlamaFolder()));
    }

    /// <summary>stories15M with tokenizer.bin: no chat template.</summary>
    public string Plain => _plain.Value;

    /// <summary>stories15M weights with a tokenizer.json that has Mistral Instruct's chat template.</summary>
    public string Templated => _templated.Value;

    /// <summary>A LLaMA folder with tokenizer.model and TinyLlama-Chat's tokenizer_config.json, quantized.</summary>
    public string TinyLlamaShaped => _tinyLlamaShaped.Value;

    /// <summary>The folder <see cref="TinyLlamaShaped"/> was quantized from.</summary>
    public string TinyLlamaFolderPath => Path.Combine(_folder, "tinyllama-folder");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Quantize(string name, string? tokenizer, string? model = null)
    {
        var output = Path.Combine(_folder, name + ".qllm");
        var options = new QuantizeOptions(QuantizationSettings.Presets["W4A16"], QuantizationMethod.Rtn, Samples: 1, Epochs: 0)
            with { Rotation = RotationKind.None, WeightRounding = WeightRounding.Nearest };
        QuantizationJob.Run(new QuantizeRequest(model ?? TestData.ModelPath, tokenizer, TestData.CalibrationTextPath, output, options), CPU, _ => { });
        return output;
    }

    private string TinyLlamaFolder()
    {
        var folder = TinyLlamaFolderPath;
        Llama2CToHuggingFace.Convert(TestData.ModelPath, TestData.TokenizerPath, folder);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), TinyLlamaTokenizerConfig.Json());
        return folder;
    }

    private string TemplatedTokenizer()
    {
        var source = HuggingFaceTokenizerPackages.ModelFolder(HuggingFaceTokenizerPackages.Llama2);
        var folder = Path.Combine(_folder, "tokenizer");
        Directory.CreateDirectory(folder);
        var tokenizer = Path.Combine(folder, "tokenizer.json");
        File.Copy(Path.Combine(source, "tokenizer.json"), tokenizer);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "tokenizer_config.json")))!.AsObject();
        config["chat_template"] = MistralTemplate;
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config.ToJsonString());
        return tokenizer;
    }
}

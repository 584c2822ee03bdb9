using System.CommandLine;
using Qllm.Core.Quantization;
using Qllm.Engine.Torch;
using Qllm.Setup;
using static TorchSharp.torch;

namespace Qllm.Tool.CommandLine;

/// <summary>Options every command accepts.</summary>
internal sealed class GlobalOptions
{
    public Option<string> Device { get; } = new Option<string>("--device")
    {
        Description = "Where to run: auto (CUDA when available), cpu or cuda.",
        DefaultValueFactory = _ => DeviceNames.Auto,
        Recursive = true,
    }.AcceptOnlyFromAmong([.. DeviceNames.All]);

    public Option<string?> LibTorch { get; } = new("--libtorch")
    {
        Description = $"A libtorch folder to use instead of the bundled CPU one, such as a PyTorch install's torch/lib (also ${TorchRuntime.LibTorchVariable}).",
        Recursive = true,
    };

    public Option<string?> Tokenizer { get; } = new("--tokenizer")
    {
        Description = "The tokenizer file (tokenizer.bin, tokenizer.model or tokenizer.json); default: beside the model.",
        Recursive = true,
    };

    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = "Where `setup` puts the model and texts (default $QLLM_DATA_DIR, else ~/.local/share/qllm).",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Show stack traces with errors.",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Device);
        root.Options.Add(LibTorch);
        root.Options.Add(Tokenizer);
        root.Options.Add(DataDir);
        root.Options.Add(Verbose);
    }

    /// <summary>Brings up libtorch as the options say and returns the device.</summary>
    public Device StartTorch(ParseResult result) =>
        TorchRuntime.Initialize(TorchRuntime.ParseDevice(result.GetValue(Device)!), result.GetValue(LibTorch));

    public string ResolveDataDir(ParseResult result) => DataDirectory.Resolve(result.GetValue(DataDir));
}

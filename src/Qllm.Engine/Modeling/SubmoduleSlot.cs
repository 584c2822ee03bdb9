using TorchSharp;

namespace Qllm.Engine.Modeling;

/// <summary>
/// Replaces a registered submodule. TorchSharp refuses to register a name twice, and quantization
/// swaps linears and input transforms in place; registering null under a name drops it first.
/// </summary>
internal static class SubmoduleSlot
{
    public static void Replace(torch.nn.Module owner, string name, torch.nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        owner.register_module(name, null!);
        owner.register_module(name, module);
    }
}

using System.Runtime.InteropServices;
using Qllm.Core.Errors;
using Qllm.Core.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Torch;

/// <summary>
/// Brings up libtorch: the CPU build that ships with the tool, or an external one (a PyTorch
/// install's torch/lib, named by <c>--libtorch</c> or <c>QLLM_LIBTORCH</c>), which is how CUDA is
/// reached without the multi-gigabyte libtorch-cuda packages. Then picks the device.
/// </summary>
public static class TorchRuntime
{
    /// <summary>The environment variable naming an external libtorch folder.</summary>
    public const string LibTorchVariable = "QLLM_LIBTORCH";

    // Load order matters: each library needs the ones before it. The CUDA pair is optional.
    private static readonly (string Name, bool Required)[] ExternalLibraries =
    [
        ("libc10.so", true), ("libtorch_cpu.so", true), ("libc10_cuda.so", false), ("libtorch_cuda.so", false), ("libtorch.so", true),
    ];

    private static readonly Lock Gate = new();
    private static string? _loadedFrom;
    private static bool _cudaLibrariesLoaded;

    /// <summary>Initialises libtorch once per process and returns the device to run on.</summary>
    /// <param name="request">auto, cpu or cuda.</param>
    /// <param name="libTorchDirectory">An external libtorch folder, or null to use <see cref="LibTorchVariable"/> or the bundled CPU build.</param>
    public static Device Initialize(DeviceRequest request, string? libTorchDirectory = null)
    {
        lock (Gate)
        {
            libTorchDirectory ??= Environment.GetEnvironmentVariable(LibTorchVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
            var source = libTorchDirectory ?? "the bundled CPU libtorch (libtorch-cpu-linux-x64)";
            if (libTorchDirectory is not null)
            {
                CheckExternal(libTorchDirectory);
            }

            if (_loadedFrom is null)
            {
                if (libTorchDirectory is not null)
                {
                    PreloadExternal(libTorchDirectory);
                }

                NativeHeap.KeepFreedBlocks();
                StartTorchSharp(source);
                _loadedFrom = source;
            }
            else if (_loadedFrom != source)
            {
                throw new QllmException(ErrorCodes.NativeLoadFailed, libTorchDirectory, $"this process already runs {_loadedFrom}", "start a new process to use another libtorch");
            }

            return request switch
            {
                DeviceRequest.Cpu => CPU,
                DeviceRequest.Cuda => RequireCuda(libTorchDirectory),
                _ => _cudaLibrariesLoaded && cuda.is_available() ? CUDA : CPU,
            };
        }
    }

    /// <summary>Parses <c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public static DeviceRequest ParseDevice(string text) => text.ToLowerInvariant() switch
    {
        DeviceNames.Auto => DeviceRequest.Auto,
        DeviceNames.Cpu => DeviceRequest.Cpu,
        DeviceNames.Cuda => DeviceRequest.Cuda,
        _ => throw new ArgumentException($"unknown device '{text}': use auto, cpu or cuda", nameof(text)),
    };

    private static void CheckExternal(string directory)
    {
        const string Fix = $"point --libtorch or {LibTorchVariable} at a folder holding libtorch.so, such as a PyTorch install's torch/lib";
        if (!Directory.Exists(directory))
        {
            throw new QllmException(ErrorCodes.NativeLoadFailed, directory, "the libtorch folder does not exist", Fix);
        }

        foreach (var (name, _) in ExternalLibraries.Where(library => library.Required && !File.Exists(Path.Combine(directory, library.Name))))
        {
            throw new QllmException(ErrorCodes.NativeLoadFailed, directory, $"the libtorch folder has no {name}", Fix);
        }
    }

    private static void PreloadExternal(string directory)
    {
        foreach (var (name, _) in ExternalLibraries)
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                continue; // an optional CUDA library of a CPU-only libtorch
            }

            try
            {
                NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                throw new QllmException(ErrorCodes.NativeLoadFailed, path, $"cannot load {name}: {e.Message}", "check that this libtorch matches the machine (glibc, CUDA driver) and that its dependencies are on LD_LIBRARY_PATH");
            }

            _cudaLibrariesLoaded |= name == "libtorch_cuda.so";
        }
    }

    private static void StartTorchSharp(string source)
    {
        try
        {
            // The first touch of torch runs its static initialiser, which loads libLibTorchSharp.
            using var probe = zeros(1);
            if (_cudaLibrariesLoaded)
            {
                InitializeDeviceType(DeviceType.CUDA);
            }
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException or ExternalException)
        {
            var detail = (e.InnerException ?? e).Message.Split('\n')[0];
            throw new QllmException(ErrorCodes.NativeLoadFailed, source, $"TorchSharp could not start libtorch: {detail}", "rebuild the tool (the build patches libLibTorchSharp.so for Debian 12), or set QLLM_LIBTORCH to a working libtorch folder");
        }
    }

    private static Device RequireCuda(string? libTorchDirectory)
    {
        if (!_cudaLibrariesLoaded)
        {
            var why = libTorchDirectory is null
                ? $"this process runs the bundled CPU-only libtorch, and {LibTorchVariable} is not set"
                : $"{libTorchDirectory} has no libtorch_cuda.so (a CPU-only libtorch)";
            throw new QllmException(ErrorCodes.CudaUnavailable, libTorchDirectory, $"CUDA was asked for but is not available: {why}", $"set {LibTorchVariable} (or --libtorch) to a CUDA PyTorch's torch/lib, or use --device cpu");
        }

        if (!cuda.is_available())
        {
            throw new QllmException(ErrorCodes.CudaUnavailable, libTorchDirectory, "CUDA was asked for but is not available: libtorch has CUDA support but found no usable GPU (no driver, or CUDA_VISIBLE_DEVICES hides it)", "run on a machine with an NVIDIA GPU, or use --device cpu");
        }

        return CUDA;
    }
}

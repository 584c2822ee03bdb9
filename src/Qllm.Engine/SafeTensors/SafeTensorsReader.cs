using Microsoft.Win32.SafeHandles;
using Qllm.Core.Errors;
using static TorchSharp.torch;

namespace Qllm.Engine.SafeTensors;

/// <summary>
/// An open safetensors file: its validated header, and its tensors read on demand into CPU tensors.
/// The header is checked in full when the file is opened, so a read never goes outside the file.
/// </summary>
public sealed class SafeTensorsReader : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly SafeTensorsHeader _header;

    private SafeTensorsReader(string path, SafeFileHandle handle, SafeTensorsHeader header)
    {
        Path = path;
        _handle = handle;
        _header = header;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The file's tensors, by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors => _header.Tensors;

    /// <summary>The file's <c>__metadata__</c> map (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Opens <paramref name="path"/> and validates its header.</summary>
    /// <exception cref="QllmException">The file is missing or unreadable, or its header is malformed.</exception>
    public static SafeTensorsReader Open(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, "the safetensors file does not exist", "check the path", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, $"the safetensors file cannot be opened ({e.Message})", "check the path and its permissions", e);
        }

        try
        {
            return new SafeTensorsReader(path, handle, SafeTensorsHeader.Read(handle, path));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads tensor <paramref name="name"/> into a new CPU tensor, in its stored element type or converted
    /// to <paramref name="convertTo"/>. The caller owns the result.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    /// <exception cref="QllmException">The file is shorter than its header says (it changed after opening).</exception>
    public Tensor Read(string name, ScalarType? convertTo = null)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_header.Tensors.TryGetValue(name, out var info))
        {
            throw new KeyNotFoundException($"{Path} has no tensor named '{name}'.");
        }

        // Read into the tensor's own memory: the file's bytes are never held a second time.
        var stored = empty([.. info.Shape], dtype: info.ElementType);
        try
        {
            SafeTensorsIo.ReadInto(_handle, _header.DataStart + info.DataBegin, stored, Path);
        }
        catch
        {
            stored.Dispose();
            throw;
        }

        if (convertTo is not { } type || type == info.ElementType)
        {
            return stored;
        }

        using (stored)
        {
            return stored.to_type(type);
        }
    }

    /// <summary>Reads every tensor (see <see cref="Read"/>); the caller owns the results.</summary>
    public Dictionary<string, Tensor> ReadAll(ScalarType? convertTo = null)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var name in _header.Tensors.Keys)
            {
                tensors.Add(name, Read(name, convertTo));
            }

            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}

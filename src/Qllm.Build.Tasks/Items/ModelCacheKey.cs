using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Qllm.Cache;

namespace Qllm.Build.Tasks.Items;

/// <summary>The cache key of a <see cref="QuantizedModelSpec"/> (format, engine, options, input digests; docs/architecture.md).</summary>
internal static class ModelCacheKey
{
    /// <summary>The assemblies of the tool whose bytes decide what it computes.</summary>
    private static readonly string[] EngineAssemblies = ["qllm.dll", "Qllm.Engine.dll", "Qllm.Artifacts.dll", "Qllm.Runtime.dll", "Qllm.Core.dll"];

    /// <summary>The key description of <paramref name="spec"/>, with every input digested through <paramref name="digests"/>.</summary>
    public static CacheKey For(QuantizedModelSpec spec, string engine, FileDigestCache digests)
    {
        var inputs = new Dictionary<string, string>
        {
            ["model"] = digests.Digest(spec.ModelPath),
            ["calibration"] = digests.Digest(spec.CalibrationPath),
        };
        if (spec.Package is { } package)
        {
            // The folder's digests already decide the key; the package's identity and hash say where it came from.
            inputs["package"] = package.CacheKeyInput;
        }

        if (TokenizerOf(spec) is { } tokenizer)
        {
            inputs["tokenizer"] = digests.Digest(tokenizer);
        }

        var options = spec.Options.ToDictionary(o => o.Key.TrimStart('-'), o => o.Value);
        return new CacheKey(ArtifactFormatVersion.Current, engine, options, inputs);
    }

    /// <summary>
    /// The engine's identity: the tool's version and the digests of its assemblies, so a changed
    /// engine (a new package, or a rebuilt checkout) never reuses artifacts of the old one.
    /// </summary>
    public static string EngineIdentity(string toolAssembly, FileDigestCache digests)
    {
        var folder = Path.GetDirectoryName(toolAssembly)!;
        var text = new StringBuilder();
        foreach (var name in EngineAssemblies)
        {
            var path = Path.Combine(folder, name);
            text.Append(name).Append(':').Append(File.Exists(path) ? digests.Digest(path) : "absent").Append('\n');
        }

        var version = AssemblyName.GetAssemblyName(toolAssembly).Version;
        return $"{version}+{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16]}";
    }

    /// <summary>The tokenizer the tool will use: the item's, or for a llama2.c file, tokenizer.bin beside it (a folder carries its own).</summary>
    public static string? TokenizerOf(QuantizedModelSpec spec)
    {
        if (spec.TokenizerPath is not null)
        {
            return spec.TokenizerPath;
        }

        var beside = Path.Combine(Path.GetDirectoryName(spec.ModelPath)!, "tokenizer.bin");
        return File.Exists(spec.ModelPath) && File.Exists(beside) ? beside : null;
    }
}

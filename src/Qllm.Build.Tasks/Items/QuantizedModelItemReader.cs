using System.Globalization;
using Microsoft.Build.Framework;
using Qllm.Build.Tasks.Packages;
using Qllm.Core.Errors;
using Qllm.Core.Quantization;

namespace Qllm.Build.Tasks.Items;

/// <summary>
/// Reads and validates one <c>QuantizedModel</c> item. Everything that can be checked without
/// quantizing is checked here, so a bad item fails the build in a second, before any tool starts.
/// The accepted names are Qllm.Core's (<see cref="QuantizationPresets"/>, <see cref="MethodNames"/>
/// and the others), the ones the tool and the engine accept.
/// </summary>
internal static class QuantizedModelItemReader
{

    /// <summary>Reads <paramref name="item"/>; returns the spec, or null and the problems found.</summary>
    /// <param name="item">The item.</param>
    /// <param name="defaultNamespace">The namespace when the item names none.</param>
    /// <param name="problems">Where the problems go.</param>
    /// <param name="package">For a <c>nuget:</c> item, its package (the model is the package's model folder; its Include is no path).</param>
    public static QuantizedModelSpec? Read(ITaskItem item, string defaultNamespace, List<ItemProblem> problems, ResolvedModelPackage? package = null)
    {
        var before = problems.Count;
        var model = package?.ModelFolder ?? item.GetMetadata("FullPath").TrimEnd('/', '\\');
        if (package is null && !File.Exists(model) && !Directory.Exists(model))
        {
            problems.Add(new(ErrorCodes.ModelNotFound, $"the model \"{item.ItemSpec}\" does not exist; check the Include path of the QuantizedModel item, or run `qllm setup` to fetch stories15M into $(QllmDataDir)"));
            return null;
        }

        // A package's folder is absent only in a design-time build, which installs nothing.
        if ((package is null || Directory.Exists(model)) && ModelProbe.WhyNotLlama(model) is { } notLlama)
        {
            problems.Add(new(ErrorCodes.NotLlamaModel, $"the model \"{model}\" cannot be quantized: {notLlama}; point the QuantizedModel item at a llama2.c .bin checkpoint or a Hugging Face LLaMA folder"));
        }

        var options = new List<KeyValuePair<string, string>>();
        ReadBits(item, options, problems);
        Choice(item, "Method", "--method", MethodNames.All, options, problems);
        Choice(item, "Rotation", "--rotation", RotationNames.All, options, problems);
        Choice(item, "WeightRounding", "--weight-rounding", WeightRoundingNames.All, options, problems);
        Number(item, "Samples", "--samples", 1, options, problems);
        Number(item, "Epochs", "--epochs", 0, options, problems);
        Number(item, "Rank", "--rank", 1, options, problems);
        Number(item, "Seed", "--seed", int.MinValue, options, problems);

        var calibration = ExistingFile(item, "Calibration", required: true, problems);
        var tokenizer = ExistingFile(item, "Tokenizer", required: false, problems);
        var device = Metadata(item, "Device") is { Length: > 0 } givenDevice ? givenDevice.ToLowerInvariant() : DeviceNames.Auto;
        if (!DeviceNames.All.Contains(device))
        {
            problems.Add(new(ErrorCodes.BadItemOption, $"Device=\"{device}\" on the QuantizedModel \"{item.ItemSpec}\" is not one of {string.Join(", ", DeviceNames.All)}"));
        }

        var className = Metadata(item, "ClassName") is { Length: > 0 } givenClass ? givenClass
            : package is not null ? ClassNames.FromPackageId(package.Reference.Id)
            : ClassNames.FromModelPath(model);
        if (!ClassNames.IsIdentifier(className))
        {
            problems.Add(new(ErrorCodes.BadItemOption, $"ClassName=\"{className}\" on the QuantizedModel \"{item.ItemSpec}\" is not a C# class name; use letters, digits and underscores, starting with a letter"));
        }

        var ns = Metadata(item, "Namespace") ?? defaultNamespace;
        if (!ClassNames.IsNamespace(ns))
        {
            problems.Add(new(ErrorCodes.BadItemOption, $"Namespace=\"{ns}\" on the QuantizedModel \"{item.ItemSpec}\" is not a C# namespace"));
        }

        var embedding = ModelEmbedding.Resource;
        if (Metadata(item, "Embed") is { Length: > 0 } embed && !Enum.TryParse(embed, ignoreCase: true, out embedding))
        {
            problems.Add(new(ErrorCodes.BadItemOption, $"Embed=\"{embed}\" on the QuantizedModel \"{item.ItemSpec}\" is not Resource or Content"));
        }

        return problems.Count > before ? null : new QuantizedModelSpec(model, tokenizer, calibration!, options, device, className, ns, embedding, package);
    }

    /// <summary>Preset, or Bits and ActivationBits; the default preset when none is given.</summary>
    private static void ReadBits(ITaskItem item, List<KeyValuePair<string, string>> options, List<ItemProblem> problems)
    {
        var preset = Metadata(item, "Preset");
        var bits = Metadata(item, "Bits");
        var activationBits = Metadata(item, "ActivationBits");
        if (bits is null && activationBits is null)
        {
            var found = QuantizationPresets.Find(preset ?? QuantizationPresets.Default.Name);
            if (found is null)
            {
                problems.Add(new(ErrorCodes.UnknownPreset, $"Preset=\"{preset}\" on the QuantizedModel \"{item.ItemSpec}\" is not a preset; use one of {string.Join(", ", QuantizationPresets.Names)}, or Bits and ActivationBits"));
                return;
            }

            options.Add(new("--preset", found.Name));
            return;
        }

        if (preset is not null)
        {
            problems.Add(new(ErrorCodes.BitsOutOfRange, $"the QuantizedModel \"{item.ItemSpec}\" gives both Preset and Bits/ActivationBits; give one or the other"));
            return;
        }

        if (!int.TryParse(bits, NumberStyles.None, CultureInfo.InvariantCulture, out var weightBits) || !BitWidths.IsWeightBits(weightBits))
        {
            problems.Add(new(ErrorCodes.BitsOutOfRange, $"Bits=\"{bits}\" on the QuantizedModel \"{item.ItemSpec}\" is out of range; weight bits are {BitWidths.Minimum} to {BitWidths.Maximum}"));
        }

        var activation = activationBits ?? BitWidths.WeightOnly.ToString(CultureInfo.InvariantCulture);
        if (!int.TryParse(activation, NumberStyles.None, CultureInfo.InvariantCulture, out var inputBits) || !BitWidths.IsActivationBits(inputBits))
        {
            problems.Add(new(ErrorCodes.BitsOutOfRange, $"ActivationBits=\"{activation}\" on the QuantizedModel \"{item.ItemSpec}\" is out of range; activation bits are {BitWidths.Minimum} to {BitWidths.Maximum}, or {BitWidths.WeightOnly} for weight-only"));
        }

        options.Add(new("--bits", weightBits.ToString(CultureInfo.InvariantCulture)));
        options.Add(new("--activation-bits", inputBits.ToString(CultureInfo.InvariantCulture)));
    }

    private static void Choice(ITaskItem item, string name, string option, IReadOnlyList<string> allowed, List<KeyValuePair<string, string>> options, List<ItemProblem> problems)
    {
        if (Metadata(item, name) is not { } value)
        {
            return;
        }

        if (!allowed.Contains(value.ToLowerInvariant()))
        {
            problems.Add(new(ErrorCodes.BadItemOption, $"{name}=\"{value}\" on the QuantizedModel \"{item.ItemSpec}\" is not one of {string.Join(", ", allowed)}"));
        }

        options.Add(new(option, value.ToLowerInvariant()));
    }

    private static void Number(ITaskItem item, string name, string option, int minimum, List<KeyValuePair<string, string>> options, List<ItemProblem> problems)
    {
        if (Metadata(item, name) is not { } value)
        {
            return;
        }

        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) || number < minimum)
        {
            problems.Add(new(ErrorCodes.BadItemOption, $"{name}=\"{value}\" on the QuantizedModel \"{item.ItemSpec}\" is not a whole number of at least {minimum}"));
            return;
        }

        options.Add(new(option, number.ToString(CultureInfo.InvariantCulture)));
    }

    private static string? ExistingFile(ITaskItem item, string name, bool required, List<ItemProblem> problems)
    {
        if (Metadata(item, name) is not { } value)
        {
            if (required)
            {
                problems.Add(new(ErrorCodes.CalibrationNotFound, $"the QuantizedModel \"{item.ItemSpec}\" has no {name} text; set its {name} metadata, or run `qllm setup` so that $(QllmDataDir)/calibration.txt exists"));
            }

            return null;
        }

        // Relative to the file that defines the item, as MSBuild resolves the item's own Include.
        var path = Path.GetFullPath(value, DefiningDirectory(item));
        if (!File.Exists(path))
        {
            problems.Add(new(ErrorCodes.CalibrationNotFound, $"{name}=\"{value}\" on the QuantizedModel \"{item.ItemSpec}\" does not exist; check the path, or run `qllm setup` to fetch the calibration text into $(QllmDataDir)"));
            return null;
        }

        return path;
    }

    /// <summary>The folder of the project file (or import) that defines the item.</summary>
    public static string DefiningDirectory(ITaskItem item) =>
        item.GetMetadata("DefiningProjectDirectory") is { Length: > 0 } folder ? folder : Directory.GetCurrentDirectory();

    /// <summary>A metadata value, trimmed; null when empty.</summary>
    private static string? Metadata(ITaskItem item, string name) => item.GetMetadata(name).Trim() is { Length: > 0 } value ? value : null;
}

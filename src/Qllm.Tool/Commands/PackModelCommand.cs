using System.CommandLine;
using NuGet.Packaging;
using NuGet.Packaging.Licenses;
using NuGet.Versioning;
using Qllm.Tool.CommandLine;
using Qllm.Tool.Packaging;

namespace Qllm.Tool.Commands;

/// <summary>`qllm pack-model FOLDER --id ID --version VERSION --output DIR`: a Hugging Face model folder becomes a NuGet package that builds reference as <c>nuget:ID/VERSION</c>.</summary>
internal static class PackModelCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("FOLDER") { Description = "The Hugging Face model folder (config.json, *.safetensors, tokenizer files)." };
        var id = new Option<string>("--id") { Description = "The package id.", Required = true };
        var version = new Option<string>("--version") { Description = "The package version (one exact version, such as 1.0.0).", Required = true };
        var output = new Option<string>("--output") { Description = "The folder to write ID.VERSION.nupkg into, such as a local feed.", Required = true };
        var description = new Option<string?>("--description") { Description = "The package description (default: how to reference it)." };
        var authors = new Option<string?>("--authors") { Description = "The package authors, comma-separated (default: the package id)." };
        var license = new Option<string?>("--license") { Description = "An SPDX license expression, such as MIT (default: none)." };
        id.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !PackageIdValidator.IsValidPackageId(value))
            {
                result.AddError($"--id \"{value}\" is not a NuGet package id (letters, digits, '.', '-' and '_')");
            }
        });
        version.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !NuGetVersion.TryParse(value, out _))
            {
                result.AddError($"--version \"{value}\" is not a NuGet version such as 1.0.0");
            }
        });
        license.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !IsLicenseExpression(value))
            {
                result.AddError($"--license \"{value}\" is not an SPDX license expression such as MIT or Apache-2.0");
            }
        });

        var command = new Command("pack-model", "Pack a Hugging Face model folder into a NuGet package for <QuantizedModel Include=\"nuget:ID/VERSION\" />.")
        {
            folder, id, version, output, description, authors, license,
        };
        command.SetAction(result =>
        {
            var request = new ModelPackageRequest(
                result.GetValue(folder)!,
                result.GetValue(id)!,
                NuGetVersion.Parse(result.GetValue(version)!),
                result.GetValue(output)!,
                result.GetValue(description),
                result.GetValue(authors),
                result.GetValue(license));
            result.InvocationConfiguration.Output.WriteLine(ModelPackageWriter.Write(request));
            return ExitCodes.Success;
        });
        return command;
    }

    private static bool IsLicenseExpression(string value)
    {
        try
        {
            NuGetLicenseExpression.Parse(value);
            return true;
        }
        catch (NuGetLicenseExpressionParsingException)
        {
            return false;
        }
    }
}

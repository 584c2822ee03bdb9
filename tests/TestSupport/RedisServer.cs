using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Qllm.TestSupport;

/// <summary>
/// A real redis-server of the test's own, on a free loopback port, without persistence; stopped
/// (killed) on dispose. Fails, rather than skips, when redis-server is not installed: the remote
/// tier would otherwise go untested without anyone noticing.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(15);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public RedisServer()
    {
        // Another process can take the free port between the probe and the start: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            _process = Start(Port, _output);
            if (WaitUntilAnswering(_process, Port))
            {
                return;
            }

            Kill(_process);
            if (attempt == 3)
            {
                throw new InvalidOperationException($"redis-server did not answer on 127.0.0.1:{Port} within {StartPatience.TotalSeconds} s: {Output}");
            }
        }
    }

    public int Port { get; }

    /// <summary>The connection string of this server.</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>What the server printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Whether the server process is still running.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Kills the server at once, as a crash or a pulled cable would end it.</summary>
    public void Stop() => Kill(_process);

    /// <summary>Sends one inline command on a fresh connection and returns the first line of the reply.</summary>
    public string Command(string command)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, Port);
        using var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes(command + "\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return reader.ReadLine() ?? string.Empty;
    }

    /// <summary>Sends one inline command without waiting for the reply (for commands that block the server).</summary>
    public void CommandWithoutReply(string command)
    {
        var client = new TcpClient();
        client.Connect(IPAddress.Loopback, Port);
        client.GetStream().Write(Encoding.ASCII.GetBytes(command + "\r\n"));

        // Closed when the server answers; a closed socket before then could abort the command.
        _ = Task.Run(() =>
        {
            using (client)
            {
                client.GetStream().ReadByte();
            }
        });
    }

    public void Dispose()
    {
        Kill(_process);
        _process.Dispose();
    }

    /// <summary>A loopback port that nothing listens on (right now).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static Process Start(int port, StringBuilder output)
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--enable-debug-command", "local" })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed, and the remote cache tests need a real one: run `apt-get install -y redis-server` (as .ci/run does)", e);
        }

        // Drained as it comes, so a full pipe never blocks the server.
        DataReceivedEventHandler collect = (_, line) =>
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static bool WaitUntilAnswering(Process process, int port)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartPatience && !process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                using var stream = client.GetStream();
                stream.Write("PING\r\n"u8);
                using var reader = new StreamReader(stream, Encoding.ASCII);
                if (reader.ReadLine() == "+PONG")
                {
                    return true;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }
            catch (IOException)
            {
                // Listening, not answering yet.
            }

            Thread.Sleep(50);
        }

        return false;
    }

    private static void Kill(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        process.WaitForExit();
    }
}

using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Xception.Compiler.Tests.Classify;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 and a free port: it reads each request's head and lets the test
/// write whatever response it wants (a whole file, half of one, nothing), then closes the connection.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<Stream, CancellationToken, Task> _respond;
    private readonly Task _loop;
    private int _requests;

    public LoopbackHttpServer(Func<Stream, CancellationToken, Task> respond)
    {
        _respond = respond;
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Requests => Volatile.Read(ref _requests);

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>A server that answers 200 with <paramref name="body"/>, sending only its first <paramref name="sendBytes"/> bytes when given.</summary>
    public static LoopbackHttpServer Serving(byte[] body, int? sendBytes = null) => new(async (stream, ct) =>
    {
        await WriteHeadAsync(stream, 200, "OK", body.Length, ct);
        await stream.WriteAsync(body.AsMemory(0, sendBytes ?? body.Length), ct);
    });

    public static async Task WriteHeadAsync(Stream stream, int status, string reason, long contentLength, CancellationToken ct)
    {
        string head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/octet-stream\r\nContent-Length: {contentLength}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        await stream.FlushAsync(ct);
    }

    /// <summary>A port nothing listens on: bound, read and released again.</summary>
    public static int ClosedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                await ReadHeadAsync(stream, _stop.Token);
                Interlocked.Increment(ref _requests);
                await _respond(stream, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client went away (a test that cancels does that): nothing to serve.
            }
        }
    }

    private static async Task ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        // Read byte by byte up to the blank line; requests here are a few hundred bytes.
        var last4 = 0u;
        var one = new byte[1];
        while (last4 != 0x0D0A0D0Au)
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                throw new IOException("The client closed the connection before a full request.");
            }

            last4 = (last4 << 8) | one[0];
        }
    }
}

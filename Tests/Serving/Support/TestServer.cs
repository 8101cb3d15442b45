using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Xception.Compiler.Runtime;
using Xception.Compiler.Sample.Images;
using Xception.Compiler.Serving;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Serving.Http;
using Xception.Compiler.Tests.Models;

namespace Xception.Compiler.Tests.Serving.Support;

/// <summary>A real Kestrel on 127.0.0.1 with a free port, serving one model, and an HttpClient pointed at it.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    public static readonly string[] MiniLabels = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    private readonly ICompiledModel _model;

    private TestServer(InferenceServer server, ICompiledModel model, HttpClient client)
    {
        Server = server;
        _model = model;
        Client = client;
    }

    public InferenceServer Server { get; }

    public HttpClient Client { get; }

    /// <summary>The fixtures' mini Xception at 71×71 as model "mini", with ten labels and the classify command's preprocessing.</summary>
    public static Task<TestServer> StartMiniAsync(BatchingOptions? batching = null, long maxBody = 1024 * 1024)
    {
        MiniXception71 model = MiniModels.Load();
        var served = new ServedModel("mini", model, MiniXception71.InputHeight, MiniXception71.InputWidth, MiniXception71.InputChannels,
            MiniLabels, UploadedImage.Preprocess);
        return StartAsync(served, batching, maxBody);
    }

    public static async Task<TestServer> StartAsync(ServedModel served, BatchingOptions? batching = null, long maxBody = 1024 * 1024, int handlerNice = 0)
    {
        var options = new ServerOptions
        {
            Urls = "http://127.0.0.1:0",
            Batching = batching ?? new BatchingOptions { MaxBatch = 8, MaxDelay = TimeSpan.FromMilliseconds(5) },
            MaxRequestBodyBytes = maxBody,
            HandlerNice = handlerNice,
        };
        InferenceServer server = InferenceServer.Create(options, [served], LogLevel.Warning);
        await server.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(server.Addresses.Single()), Timeout = TimeSpan.FromSeconds(60) };
        return new TestServer(server, served.Model, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        _model.Dispose();
    }
}

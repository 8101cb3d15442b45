using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using Xception.Compiler.Serving.Metrics;

namespace Xception.Compiler.Serving.Http;

/// <summary>
/// The Kestrel server of the Open Inference Protocol v2 (REST) over compiled models, plus <c>classify</c>,
/// <c>/metrics</c> and the try-it page at <c>/</c>. The HTTP layer only translates the protocol; batching is
/// <see cref="Batching.DynamicBatcher"/>'s.
/// </summary>
/// <remarks>
/// Shutdown order matters: Kestrel stops accepting first and waits for the requests it holds, which wait on
/// their batches, so the batchers stop only after the host has (<see cref="RunAsync"/>, <see cref="StopAsync"/>).
/// </remarks>
public sealed class InferenceServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ModelRegistry _registry;
    private int _stopped;

    private InferenceServer(WebApplication app, ModelRegistry registry, ServingMetrics metrics)
    {
        _app = app;
        _registry = registry;
        Metrics = metrics;
    }

    public ServingMetrics Metrics { get; }

    /// <summary>Completes when every model ran its warm-up batch (<see cref="Batching.BatchingOptions.WarmUp"/>) and the server reports ready.</summary>
    public Task WhenReady => _registry.WhenAllWarmedUp;

    /// <summary>The addresses Kestrel listens on (with the real port when 0 was asked), once started.</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];

    /// <summary>Builds the server; nothing listens before <see cref="StartAsync"/> or <see cref="RunAsync"/>.</summary>
    public static InferenceServer Create(ServerOptions options, IReadOnlyList<ServedModel> models, LogLevel minimumLogLevel = LogLevel.Information)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Batching.Validate();
        var metrics = new ServingMetrics(options.Batching.MaxBatch);
        var registry = new ModelRegistry(models, options.Batching, metrics);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        builder.Logging.SetMinimumLevel(minimumLogLevel);
        // One log line per request would cost more than a mini model's inference; /metrics counts them instead.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));

        WebApplication app = builder.Build();
        var nice = new HandlerThreadNice(options.HandlerNice);
        app.Use((context, next) =>
        {
            nice.ApplyToCurrentThread();
            return next(context);
        });
        var protocol = new ProtocolEndpoints(registry, options, metrics, app.Lifetime);
        protocol.Map(app);
        new ClassifyEndpoint(registry, metrics).Map(app);
        PageEndpoint.Map(app, registry);
        app.MapMetrics("/metrics", metrics.Registry);
        return new InferenceServer(app, registry, metrics);
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Serves until the host is told to stop (SIGTERM, Ctrl-C), then finishes every queued request.</summary>
    public async Task RunAsync()
    {
        await _app.RunAsync().ConfigureAwait(false);
        await StopBatchersAsync().ConfigureAwait(false);
    }

    /// <summary>Stops accepting, lets the requests in flight finish, then stops the batchers.</summary>
    public async Task StopAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await StopBatchersAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private Task StopBatchersAsync() =>
        Interlocked.Exchange(ref _stopped, 1) == 0 ? _registry.StopAsync() : Task.CompletedTask;
}

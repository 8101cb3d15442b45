using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Primitives;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Serving.Metrics;
using Xception.Compiler.Serving.Protocol;

namespace Xception.Compiler.Serving.Http;

/// <summary>
/// The Open Inference Protocol v2 REST endpoints: health, server and model metadata, model readiness and
/// inference (JSON tensors and the binary tensor data extension). Health answers carry no body: the status is
/// the answer (200 true, 400 false), as the protocol says.
/// </summary>
internal sealed class ProtocolEndpoints(ModelRegistry registry, ServerOptions options, ServingMetrics metrics, IHostApplicationLifetime lifetime)
{
    public const string InferenceHeaderContentLength = "Inference-Header-Content-Length";

    private const string Endpoint = "infer";

    /// <summary>
    /// Ready once every model's warm-up batch ran and until the host begins to stop, so that load balancers send
    /// nothing to a cold replica and stop sending before Kestrel closes.
    /// </summary>
    private bool Ready => registry.AllReady && NotStopping;

    private bool NotStopping => !lifetime.ApplicationStopping.IsCancellationRequested;

    public void Map(WebApplication app)
    {
        app.MapGet("/v2/health/live", () => Results.Ok());
        app.MapGet("/v2/health/ready", () => Ready ? Results.Ok() : Results.BadRequest());
        app.MapGet("/v2", ServerMetadataAsync);
        app.MapGet("/v2/models/{name}", (HttpContext c, string name) => ModelMetadataAsync(c, name, null));
        app.MapGet("/v2/models/{name}/versions/{version}", (HttpContext c, string name, string version) => ModelMetadataAsync(c, name, version));
        app.MapGet("/v2/models/{name}/ready", (HttpContext c, string name) => ModelReadyAsync(c, name, null));
        app.MapGet("/v2/models/{name}/versions/{version}/ready", (HttpContext c, string name, string version) => ModelReadyAsync(c, name, version));
        app.MapPost("/v2/models/{name}/infer", (HttpContext c, string name) => InferAsync(c, name, null));
        app.MapPost("/v2/models/{name}/versions/{version}/infer", (HttpContext c, string name, string version) => InferAsync(c, name, version));
    }

    private Task ServerMetadataAsync(HttpContext context) => HttpExchange.WriteJsonAsync(context, json =>
    {
        json.WriteStartObject();
        json.WriteString("name", options.ServerName);
        json.WriteString("version", options.ServerVersion);
        json.WriteStartArray("extensions");
        json.WriteStringValue("binary_tensor_data");
        json.WriteStringValue("classify");
        json.WriteEndArray();
        json.WriteEndObject();
    });

    private async Task ModelMetadataAsync(HttpContext context, string name, string? version)
    {
        if (Find(name, version, out ServedModel model, out _) is { } error)
        {
            await HttpExchange.WriteErrorAsync(context, error.StatusCode, error.Message);
            return;
        }

        await HttpExchange.WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("name", model.Name);
            json.WriteStartArray("versions");
            json.WriteStringValue(model.Version);
            json.WriteEndArray();
            json.WriteString("platform", "xception-compiler");
            json.WriteStartArray("inputs");
            WriteTensor(json, model.InputName, [-1, model.InputHeight, model.InputWidth, model.InputChannels]);
            json.WriteEndArray();
            json.WriteStartArray("outputs");
            WriteTensor(json, model.OutputName, [-1, model.Model.OutputLength]);
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private async Task ModelReadyAsync(HttpContext context, string name, string? version)
    {
        if (Find(name, version, out _, out DynamicBatcher batcher) is { } error)
        {
            await HttpExchange.WriteErrorAsync(context, error.StatusCode, error.Message);
            return;
        }

        context.Response.StatusCode = batcher.IsReady && NotStopping ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
    }

    private Task InferAsync(HttpContext context, string name, string? version) =>
        HttpExchange.HandleAsync(context, metrics, registry.MetricLabel(name), Endpoint, async () =>
        {
            if (Find(name, version, out ServedModel model, out DynamicBatcher batcher) is { } error)
            {
                throw error;
            }

            long? jsonLength = null;
            if (context.Request.Headers.TryGetValue(InferenceHeaderContentLength, out StringValues header))
            {
                jsonLength = long.TryParse(header.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out long length)
                    ? length
                    : throw ProtocolException.BadRequest($"{InferenceHeaderContentLength} must be a byte count, found '{header}'.");
            }

            long started = Stopwatch.GetTimestamp();
            float[] outputs;
            InferenceRequest request;
            long read;
            long decoded;
            var timeline = new RequestTimeline();
            using (PooledBody body = await HttpExchange.ReadPooledBodyAsync(context))
            {
                read = Stopwatch.GetTimestamp();
                request = InferenceRequestReader.Read(body.Memory, jsonLength, model);
            }

            // The images go back to the pool only once the batch that copied them finished (or never took them).
            using (request)
            {
                decoded = Stopwatch.GetTimestamp();
                outputs = await batcher.InferAsync(request.Images, request.Count, timeline, context.RequestAborted);
            }

            long resumed = Stopwatch.GetTimestamp();
            InferenceResponseBody response = InferenceResponseWriter.Write(model, request, outputs);
            context.Response.StatusCode = StatusCodes.Status200OK;
            if (response.JsonLength is { } responseJsonLength)
            {
                context.Response.ContentType = "application/octet-stream";
                context.Response.Headers[InferenceHeaderContentLength] = responseJsonLength.ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                context.Response.ContentType = "application/json";
            }

            context.Response.ContentLength = response.Bytes.Length;
            await context.Response.Body.WriteAsync(response.Bytes, context.RequestAborted);
            metrics.RequestAnswered(registry.MetricLabel(name), Endpoint, new RequestStages(
                Stopwatch.GetElapsedTime(started, read), Stopwatch.GetElapsedTime(read, decoded), timeline.QueueWait, timeline.BatchTime,
                Stopwatch.GetElapsedTime(timeline.Completed, resumed), Stopwatch.GetElapsedTime(resumed)));
        });

    /// <summary>Null when the model (and version, if named) is served; else the refusal to answer.</summary>
    private ProtocolException? Find(string name, string? version, out ServedModel model, out DynamicBatcher batcher)
    {
        if (!registry.TryGet(name, out model, out batcher))
        {
            return ProtocolException.UnknownModel($"Unknown model '{name}'. Served models: {string.Join(", ", ModelNames())}.");
        }

        return version is not null && version != model.Version
            ? ProtocolException.UnknownModel($"Model '{name}' has no version '{version}'; it serves version '{model.Version}'.")
            : null;
    }

    private System.Collections.Generic.IEnumerable<string> ModelNames()
    {
        foreach (ServedModel model in registry.Models)
        {
            yield return model.Name;
        }
    }

    private static void WriteTensor(System.Text.Json.Utf8JsonWriter json, string name, int[] shape)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("datatype", "FP32");
        json.WriteStartArray("shape");
        foreach (int dim in shape)
        {
            json.WriteNumberValue(dim);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}

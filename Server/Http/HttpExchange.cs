using System;
using System.Buffers;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Serving.Metrics;
using Xception.Compiler.Serving.Protocol;

namespace Xception.Compiler.Serving.Http;

/// <summary>What every protocol answer shares: the error object, the body read under Kestrel's limit, and outcomes.</summary>
internal static class HttpExchange
{
    /// <summary>Seconds a rejected client is asked to wait (Retry-After) before it tries again.</summary>
    private const string RetryAfterSeconds = "1";

    /// <summary>The protocol's error object: <c>{"error": message}</c>.</summary>
    public static async Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, JsonWriting.Options);
        json.WriteStartObject();
        json.WriteString("error", message);
        json.WriteEndObject();
    }

    public static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, JsonWriting.Options);
        write(json);
    }

    /// <summary>The whole body; past Kestrel's MaxRequestBodySize a <see cref="ProtocolException"/> (too large).</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw ProtocolException.TooLarge($"The request body is larger than this server's limit: {e.Message}");
        }
    }

    /// <summary>
    /// The whole body in a pooled buffer when its Content-Length is given and within the server's limit; else
    /// as <see cref="ReadBodyAsync"/> reads it. Past the limit a <see cref="ProtocolException"/> (too large).
    /// </summary>
    public static async Task<PooledBody> ReadPooledBodyAsync(HttpContext context)
    {
        long? declared = context.Request.ContentLength;
        long? limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (declared is not { } length || length > (limit ?? int.MaxValue) || length > Array.MaxLength)
        {
            byte[] body = await ReadBodyAsync(context).ConfigureAwait(false);
            return new PooledBody(body, body.Length, pooled: false);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        var pooled = new PooledBody(buffer, (int)length, pooled: true);
        try
        {
            int filled = 0;
            while (filled < length)
            {
                int read = await context.Request.Body.ReadAsync(buffer.AsMemory(filled, (int)length - filled), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    throw ProtocolException.BadRequest($"The body ended after {filled} bytes; its Content-Length is {length}.");
                }

                filled += read;
            }

            return pooled;
        }
        catch
        {
            pooled.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="handle"/> and turns each failure into its protocol answer; records the outcome and
    /// latency. The server keeps serving whatever one request did.
    /// </summary>
    public static async Task HandleAsync(HttpContext context, ServingMetrics metrics, string model, string endpoint, Func<Task> handle)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        string outcome = RequestOutcome.Ok;
        try
        {
            await handle().ConfigureAwait(false);
        }
        catch (ProtocolException e)
        {
            outcome = e.Outcome;
            await WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QueueFullException or BatcherStoppedException)
        {
            outcome = RequestOutcome.Rejected;
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody reads an answer.
            outcome = RequestOutcome.Cancelled;
        }
        catch (Exception e)
        {
            outcome = RequestOutcome.Error;
            if (!context.Response.HasStarted)
            {
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, $"{e.GetType().Name}: {e.Message}").ConfigureAwait(false);
            }
        }
        finally
        {
            metrics.RequestFinished(model, endpoint, outcome, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }
}

using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Serving.Metrics;
using Xception.Compiler.Serving.Protocol;

namespace Xception.Compiler.Serving.Http;

/// <summary>
/// <c>POST /v2/models/{name}/classify[?top=5]</c>: a JPEG or PNG as the body (or the first file of a multipart
/// form), decoded and preprocessed by the model's <see cref="ImagePreprocessor"/>, batched like any inference,
/// answered with the top classes and the server's time.
/// </summary>
internal sealed class ClassifyEndpoint(ModelRegistry registry, ServingMetrics metrics)
{
    private const string Endpoint = "classify";
    private const int DefaultTop = 5;

    public void Map(WebApplication app) =>
        app.MapPost("/v2/models/{name}/classify", (HttpContext c, string name) => HttpExchange.HandleAsync(c, metrics, registry.MetricLabel(name), Endpoint, () => ClassifyAsync(c, name)));

    private async Task ClassifyAsync(HttpContext context, string name)
    {
        long started = Stopwatch.GetTimestamp();
        if (!registry.TryGet(name, out ServedModel model, out DynamicBatcher batcher))
        {
            throw ProtocolException.UnknownModel($"Unknown model '{name}'.");
        }

        if (model.Preprocess is null || model.InputChannels != 3)
        {
            throw ProtocolException.BadRequest($"Model '{name}' does not take images; use /v2/models/{name}/infer.");
        }

        int top = Top(context, model.Model.OutputLength);
        byte[] encoded = await ReadImageAsync(context);
        var input = new float[model.Model.InputLength];
        try
        {
            model.Preprocess(encoded, model.InputHeight, model.InputWidth, input);
        }
        catch (InvalidDataException e)
        {
            throw ProtocolException.BadRequest($"The upload is not an image this server decodes (JPEG, PNG): {e.Message}");
        }

        float[] probabilities = await batcher.InferAsync(input, 1, context.RequestAborted);
        int[] best = ImageNetLabels.TopIndices(probabilities, top);
        double milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await HttpExchange.WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("model_name", model.Name);
            json.WriteString("model_version", model.Version);
            json.WriteStartArray("top");
            foreach (int index in best)
            {
                json.WriteStartObject();
                json.WriteString("label", model.LabelOf(index));
                json.WriteNumber("index", index);
                json.WriteNumber("probability", probabilities[index]);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("latency_ms", Math.Round(milliseconds, 3));
            json.WriteEndObject();
        });
    }

    private static int Top(HttpContext context, int outputs)
    {
        string? text = context.Request.Query["top"];
        if (text is null)
        {
            return Math.Min(DefaultTop, outputs);
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int top) && top >= 1 && top <= outputs
            ? top
            : throw ProtocolException.BadRequest($"top must be between 1 and {outputs}, found '{text}'.");
    }

    private static async Task<byte[]> ReadImageAsync(HttpContext context)
    {
        // Only multipart is a form here: curl's --data-binary labels raw bytes application/x-www-form-urlencoded.
        if (context.Request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) != true)
        {
            byte[] body = await HttpExchange.ReadBodyAsync(context);
            return body.Length > 0 ? body : throw ProtocolException.BadRequest("The body is empty; send a JPEG or PNG.");
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw ProtocolException.TooLarge($"The request body is larger than this server's limit: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            throw ProtocolException.BadRequest($"The multipart form cannot be read: {e.Message}");
        }

        if (form.Files.Count == 0)
        {
            throw ProtocolException.BadRequest("The form holds no file; attach the image as a file field.");
        }

        using var buffer = new MemoryStream();
        await form.Files[0].CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }
}

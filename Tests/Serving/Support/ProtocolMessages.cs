using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace Xception.Compiler.Tests.Serving.Support;

/// <summary>
/// Open Inference Protocol v2 requests and responses as a client written from the specification builds and reads
/// them (plain text and bytes, nothing of the server's code).
/// </summary>
internal static class ProtocolMessages
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>A JSON request with the images flattened into <c>data</c> (floats written round-trip, "R").</summary>
    public static HttpContent JsonRequest(string id, float[][] images, int height, int width, string datatype = "FP32", string? shape = null)
    {
        string data = string.Join(",", images.SelectMany(i => i).Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        shape ??= $"[{images.Length},{height},{width},3]";
        string json = $$"""{"id":"{{id}}","inputs":[{"name":"input","shape":{{shape}},"datatype":"{{datatype}}","data":[{{data}}]}]}""";
        return new StringContent(json, Encoding.UTF8, "application/json");
    }

    /// <summary>A binary tensor data request: the JSON header, then the images as little-endian FP32, output asked as binary.</summary>
    public static HttpContent BinaryRequest(string id, float[][] images, int height, int width, int? truncateTo = null)
    {
        byte[] tensor = images.SelectMany(i => i).SelectMany(v =>
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(bytes, v);
            return bytes;
        }).ToArray();
        string json = "{\"id\":\"" + id + "\",\"inputs\":[{\"name\":\"input\",\"shape\":[" + images.Length + "," + height + "," + width
            + ",3],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + tensor.Length
            + "}}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}";
        byte[] header = Encoding.UTF8.GetBytes(json);
        byte[] body = header.Concat(tensor).Take(truncateTo ?? int.MaxValue).ToArray();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add(HeaderLength, header.Length.ToString(CultureInfo.InvariantCulture));
        return content;
    }

    /// <summary>The one output of a JSON response, after checking its name, datatype, shape and the echoed id.</summary>
    public static float[] JsonOutputs(string body, string id, int images, int outputLength)
    {
        using JsonDocument document = JsonDocument.Parse(body);
        JsonElement root = document.RootElement;
        Assert.Equal("mini", root.GetProperty("model_name").GetString());
        Assert.Equal("1", root.GetProperty("model_version").GetString());
        Assert.Equal(id, root.GetProperty("id").GetString());
        JsonElement output = root.GetProperty("outputs").EnumerateArray().Single();
        Assert.Equal("output", output.GetProperty("name").GetString());
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
        Assert.Equal([images, outputLength], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        return output.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
    }

    /// <summary>The one output of a binary response: the JSON header's binary_data_size, then the bytes after it.</summary>
    public static async Task<float[]> BinaryOutputs(HttpResponseMessage response, string id, int images, int outputLength)
    {
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        if (!response.Headers.TryGetValues(HeaderLength, out var header))
        {
            header = response.Content.Headers.GetValues(HeaderLength);
        }

        int headerLength = int.Parse(header.Single(), CultureInfo.InvariantCulture);
        using JsonDocument document = JsonDocument.Parse(body.AsMemory(0, headerLength));
        JsonElement root = document.RootElement;
        Assert.Equal(id, root.GetProperty("id").GetString());
        JsonElement output = root.GetProperty("outputs").EnumerateArray().Single();
        Assert.Equal([images, outputLength], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.False(output.TryGetProperty("data", out _));
        int size = output.GetProperty("parameters").GetProperty("binary_data_size").GetInt32();
        Assert.Equal(images * outputLength * 4, size);
        Assert.Equal(headerLength + size, body.Length);
        var values = new float[images * outputLength];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(headerLength + i * 4, 4));
        }

        return values;
    }

    /// <summary>The message of the protocol's error object <c>{"error": "..."}</c>.</summary>
    public static string ErrorMessage(string body)
    {
        using JsonDocument document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("error").GetString()!;
    }

    public static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}

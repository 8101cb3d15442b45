using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Tasks;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Sample.Images;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Serving.Support;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Serving;

/// <summary><c>classify</c>: image uploads decoded and preprocessed as the classify command does, top-k with labels.</summary>
public sealed class ClassifyEndpointTests
{
    [Theory]
    [InlineData("noise_37x23.png", false)]
    [InlineData("photo_160x120.jpg", false)]
    [InlineData("photo_160x120.jpg", true)]
    public async Task Upload_ReturnsTopFiveWithLabels_EqualToDirectPredictOnTheSamePreprocessing(string file, bool multipart)
    {
        await using TestServer server = await TestServer.StartMiniAsync();
        using var reference = MiniModels.Load(maxBatch: 1);
        byte[] encoded = File.ReadAllBytes(TestPaths.Fixture(Path.Combine("images", file)));
        var input = new float[MiniXception71.InputLength];
        UploadedImage.Preprocess(encoded, MiniXception71.InputHeight, MiniXception71.InputWidth, input);
        float[] probabilities = reference.Predict(input, 1);
        int[] expected = ImageNetLabels.TopIndices(probabilities, 5);

        HttpContent content;
        if (multipart)
        {
            var form = new MultipartFormDataContent();
            var image = new ByteArrayContent(encoded);
            image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(image, "image", file);
            content = form;
        }
        else
        {
            content = new ByteArrayContent(encoded);
            content.Headers.ContentType = new MediaTypeHeaderValue(file.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg");
        }

        HttpResponseMessage response = await server.Client.PostAsync("/v2/models/mini/classify", content);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument document = JsonDocument.Parse(body);
        JsonElement[] top = document.RootElement.GetProperty("top").EnumerateArray().ToArray();
        Assert.Equal(expected, top.Select(t => t.GetProperty("index").GetInt32()));
        Assert.Equal(expected.Select(i => TestServer.MiniLabels[i]), top.Select(t => t.GetProperty("label").GetString()));
        Assert.Equal(expected.Select(i => BitConverter.SingleToInt32Bits(probabilities[i])),
            top.Select(t => BitConverter.SingleToInt32Bits(t.GetProperty("probability").GetSingle())));
        Assert.True(document.RootElement.GetProperty("latency_ms").GetDouble() > 0);
    }

    [Fact]
    public async Task TopQuery_OutOfRange_Is400()
    {
        await using TestServer server = await TestServer.StartMiniAsync();
        byte[] encoded = File.ReadAllBytes(TestPaths.Fixture(Path.Combine("images", "noise_37x23.png")));
        HttpResponseMessage response = await server.Client.PostAsync("/v2/models/mini/classify?top=11", new ByteArrayContent(encoded));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("top must be between 1 and 10, found '11'", ProtocolMessages.ErrorMessage(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }
}

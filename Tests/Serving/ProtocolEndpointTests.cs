using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xception.Compiler.Serving;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Serving.Support;
using static Xception.Compiler.Tests.Serving.Support.ProtocolMessages;

namespace Xception.Compiler.Tests.Serving;

/// <summary>The v2 REST endpoints on a real Kestrel (loopback, free port), called with HttpClient.</summary>
public sealed class ProtocolEndpointTests
{
    private const int H = MiniXception71.InputHeight;
    private const int W = MiniXception71.InputWidth;
    private const int Classes = MiniXception71.OutputLength;

    [Fact]
    public async Task HealthAndMetadata_FollowTheProtocol()
    {
        await using TestServer server = await TestServer.StartMiniAsync();
        HttpClient client = server.Client;

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/models/mini/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/models/mini/versions/1/ready")).StatusCode);

        using JsonDocument serverMetadata = JsonDocument.Parse(await client.GetStringAsync("/v2"));
        Assert.Equal("xception-compiler", serverMetadata.RootElement.GetProperty("name").GetString());
        Assert.Contains("binary_tensor_data", serverMetadata.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));

        using JsonDocument model = JsonDocument.Parse(await client.GetStringAsync("/v2/models/mini"));
        JsonElement root = model.RootElement;
        Assert.Equal("mini", root.GetProperty("name").GetString());
        Assert.Equal(["1"], root.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        JsonElement input = root.GetProperty("inputs").EnumerateArray().Single();
        Assert.Equal("input", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        Assert.Equal([-1, 71, 71, 3], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        JsonElement output = root.GetProperty("outputs").EnumerateArray().Single();
        Assert.Equal([-1, Classes], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
    }

    [Fact]
    public async Task UnknownModel_Is400WithErrorObject_OnEveryEndpoint()
    {
        await using TestServer server = await TestServer.StartMiniAsync();
        (HttpResponseMessage Response, string Expected)[] cases =
        [
            (await server.Client.GetAsync("/v2/models/nope"), "Unknown model 'nope'. Served models: mini."),
            (await server.Client.GetAsync("/v2/models/nope/ready"), "Unknown model 'nope'"),
            (await server.Client.GetAsync("/v2/models/mini/versions/7"), "Model 'mini' has no version '7'"),
            (await server.Client.PostAsync("/v2/models/nope/infer", JsonRequest("x", MiniModels.Images(1, 1), H, W)), "Unknown model 'nope'"),
            (await server.Client.PostAsync("/v2/models/nope/classify", new ByteArrayContent([1, 2, 3])), "Unknown model 'nope'"),
        ];

        foreach ((HttpResponseMessage response, string expected) in cases)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(expected, ErrorMessage(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task JsonInfer_ThreeImagesInOneRequest_EqualSinglePredictBitForBit_AndEchoesId()
    {
        await using TestServer server = await TestServer.StartMiniAsync();
        using var reference = MiniModels.Load(maxBatch: 1);
        float[][] images = MiniModels.Images(3, seed: 7);
        float[] expected = MiniModels.SinglePredictions(reference, images).SelectMany(o => o).ToArray();

        HttpResponseMessage response = await server.Client.PostAsync("/v2/models/mini/infer", JsonRequest("req-42", images, H, W));
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Bits(expected), Bits(JsonOutputs(body, "req-42", 3, Classes)));
    }

    [Fact]
    public async Task ConcurrentJsonAndBinaryRequests_EachGetsItsOwnAnswerBitForBit()
    {
        await using TestServer server = await TestServer.StartMiniAsync();
        using var reference = MiniModels.Load(maxBatch: 1);
        float[][] images = MiniModels.Images(32, seed: 300);
        float[][] expected = MiniModels.SinglePredictions(reference, images);

        float[][] answers = await Task.WhenAll(images.Select(async (image, i) =>
        {
            string id = "c" + i;
            if (i % 2 == 0)
            {
                HttpResponseMessage json = await server.Client.PostAsync("/v2/models/mini/infer", JsonRequest(id, [image], H, W));
                Assert.Equal(HttpStatusCode.OK, json.StatusCode);
                return JsonOutputs(await json.Content.ReadAsStringAsync(), id, 1, Classes);
            }

            HttpResponseMessage binary = await server.Client.PostAsync("/v2/models/mini/infer", BinaryRequest(id, [image], H, W));
            Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
            Assert.Equal("application/octet-stream", binary.Content.Headers.ContentType!.MediaType);
            return await BinaryOutputs(binary, id, 1, Classes);
        }));

        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(Bits(expected[i]), Bits(answers[i]));
        }
    }

    [Fact]
    public async Task RequestsThatDoNotFit_Get400WithErrorObject_AndTheServerKeepsServing()
    {
        await using TestServer server = await TestServer.StartMiniAsync(maxBody: 512 * 1024);
        float[][] one = MiniModels.Images(1, seed: 3);
        float[][] withNaN = [one[0].ToArray()];
        withNaN[0][17] = float.NaN;
        string nanJson = """{"inputs":[{"name":"input","shape":[1,1,1,3],"datatype":"FP32","data":[1,NaN,2]}]}""";
        (string Case, HttpContent Content, string Expected)[] cases =
        [
            ("wrong shape", JsonRequest("a", one, H, W, shape: "[1,70,71,3]"), "found [1, 70, 71, 3]"),
            ("wrong datatype", JsonRequest("b", one, H, W, datatype: "FP16"), "must have datatype FP32, found FP16"),
            ("too few values", JsonRequest("c", one, H, W, shape: "[2,71,71,3]"), "needs 30246 values, found 15123"),
            ("NaN as JSON", new StringContent(nanJson, Encoding.UTF8, "application/json"), "not valid JSON"),
            ("NaN as binary", BinaryRequest("d", withNaN, H, W), "at position 17"),
            ("truncated binary", BinaryRequest("e", one, H, W, truncateTo: 5000), "(truncated body)"),
            ("wrong input name", new StringContent("""{"inputs":[{"name":"x","shape":[1,71,71,3],"datatype":"FP32","data":[]}]}"""), "has no input 'x'"),
            ("not JSON", new StringContent("hello"), "not valid JSON"),
        ];

        foreach ((string name, HttpContent content, string expected) in cases)
        {
            HttpResponseMessage response = await server.Client.PostAsync("/v2/models/mini/infer", content);
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {response.StatusCode} {body}");
            Assert.Contains(expected, ErrorMessage(body), StringComparison.Ordinal);
        }

        HttpResponseMessage oversized = await server.Client.PostAsync("/v2/models/mini/infer", JsonRequest("big", MiniModels.Images(4, 1), H, W));
        Assert.Equal(HttpStatusCode.BadRequest, oversized.StatusCode);
        Assert.Contains("larger than this server's limit", ErrorMessage(await oversized.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        HttpResponseMessage notImage = await server.Client.PostAsync("/v2/models/mini/classify", new ByteArrayContent(Encoding.UTF8.GetBytes("not an image at all")));
        Assert.Equal(HttpStatusCode.BadRequest, notImage.StatusCode);
        Assert.Contains("not an image", ErrorMessage(await notImage.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        HttpResponseMessage fine = await server.Client.PostAsync("/v2/models/mini/infer", JsonRequest("ok", one, H, W));
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task FullQueue_Is503WithRetryAfter_AndQueuedRequestsStillComplete()
    {
        using var model = new GatedModel();
        var served = new ServedModel("gated", model, 1, 1, 3, null, null);
        await using TestServer server = await TestServer.StartAsync(served, new BatchingOptions { MaxBatch = 1, MaxDelay = TimeSpan.Zero, MaxQueue = 1 });
        static HttpContent Request(float v) => new StringContent(
            $$"""{"inputs":[{"name":"input","shape":[1,1,1,3],"datatype":"FP32","data":[{{v}},1,1]}]}""", Encoding.UTF8, "application/json");

        Task<HttpResponseMessage> running = server.Client.PostAsync("/v2/models/gated/infer", Request(1));
        Assert.True(await model.Entered.WaitAsync(TimeSpan.FromSeconds(30)));
        Task<HttpResponseMessage> queued = server.Client.PostAsync("/v2/models/gated/infer", Request(2));
        // The second request reaches the queue asynchronously: wait until the queue-depth gauge shows it.
        while (!(await server.Client.GetStringAsync("/metrics")).Contains("xception_queue_depth{model=\"gated\"} 1", StringComparison.Ordinal))
        {
            await Task.Delay(10);
        }

        HttpResponseMessage rejected = await server.Client.PostAsync("/v2/models/gated/infer", Request(3));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), rejected.Headers.RetryAfter!.Delta);
        Assert.Contains("queue of model 'gated' is full", ErrorMessage(await rejected.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        model.Open();
        Assert.Equal(HttpStatusCode.OK, (await running).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await queued).StatusCode);
    }
}

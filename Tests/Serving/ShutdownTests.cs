using System;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Xception.Compiler.Serving;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Tests.Serving.Support;

namespace Xception.Compiler.Tests.Serving;

/// <summary>Stopping the server (what SIGTERM does through the host's lifetime) answers everything it already holds.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_WhileABatchRunsAndAnotherIsQueued_AnswersBoth_ThenRefusesConnections()
    {
        using var model = new GatedModel();
        var served = new ServedModel("gated", model, 1, 1, 3, null, null);
        TestServer server = await TestServer.StartAsync(served, new BatchingOptions { MaxBatch = 1, MaxDelay = TimeSpan.Zero });
        static HttpContent Request(float v) => new StringContent(
            $$"""{"inputs":[{"name":"input","shape":[1,1,1,3],"datatype":"FP32","data":[{{v}},2,3]}]}""", Encoding.UTF8, "application/json");
        Task<HttpResponseMessage> running = server.Client.PostAsync("/v2/models/gated/infer", Request(1));
        Assert.True(await model.Entered.WaitAsync(TimeSpan.FromSeconds(30)));
        Task<HttpResponseMessage> queued = server.Client.PostAsync("/v2/models/gated/infer", Request(4));
        while (!(await server.Client.GetStringAsync("/metrics")).Contains("xception_queue_depth{model=\"gated\"} 1", StringComparison.Ordinal))
        {
            await Task.Delay(10);
        }

        Task stopping = server.Server.StopAsync();
        await Task.Delay(200);
        Assert.False(stopping.IsCompleted);
        model.Open();

        HttpResponseMessage first = await running;
        HttpResponseMessage second = await queued;
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Contains("\"data\":[9,4]", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<HttpRequestException>(() => server.Client.GetAsync("/v2/health/live"));
        await server.DisposeAsync();
    }
}

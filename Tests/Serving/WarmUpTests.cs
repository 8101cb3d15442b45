using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Xception.Compiler.Serving;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Tests.Serving.Support;

namespace Xception.Compiler.Tests.Serving;

/// <summary>The warm-up batch (as Triton's model_warmup): a full batch runs before the server reports ready.</summary>
public sealed class WarmUpTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Batcher_RunsOneFullBatchFirst_IsReadyOnlyAfterIt_AndReportsOnlyClientBatches()
    {
        using var model = new GatedModel();
        var observer = new RecordingObserver();
        await using var batcher = new DynamicBatcher("gated", model, new BatchingOptions { MaxBatch = 4, MaxDelay = TimeSpan.Zero, WarmUp = true }, observer);
        Assert.True(await model.Entered.WaitAsync(Patience));
        Assert.False(batcher.IsReady);

        // Queued during the warm-up: answered after it, in a batch of its own.
        Task<float[]> request = batcher.InferAsync(new float[] { 1, 2, 3 }, 1);
        await Task.Delay(100);
        Assert.False(batcher.IsReady);
        Assert.False(request.IsCompleted);
        model.Open();

        Assert.Equal(GatedModel.Expected([1, 2, 3]), await request.WaitAsync(Patience));
        await batcher.WarmedUp.WaitAsync(Patience);
        Assert.True(batcher.IsReady);
        Assert.Equal([4, 1], model.Batches);
        Assert.Equal([1], observer.Batches.Select(b => b.Images));
    }

    [Fact]
    public async Task Batcher_WithoutWarmUp_IsReadyAtOnce_AndRunsNothingOfItsOwn()
    {
        using var model = new GatedModel(open: true);
        await using var batcher = new DynamicBatcher("gated", model, new BatchingOptions { MaxBatch = 4 });
        await batcher.WarmedUp.WaitAsync(Patience);
        Assert.True(batcher.IsReady);
        Assert.Empty(model.Batches);
    }

    [Fact]
    public async Task Server_IsLiveAtOnce_ButNotReadyUntilTheWarmUpBatchRan()
    {
        using var model = new GatedModel();
        var served = new ServedModel("gated", model, 1, 1, 3, null, null);
        await using TestServer server = await TestServer.StartAsync(served, new BatchingOptions { MaxBatch = 2, MaxDelay = TimeSpan.Zero, WarmUp = true });
        Assert.True(await model.Entered.WaitAsync(Patience));

        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Client.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Client.GetAsync("/v2/models/gated/ready")).StatusCode);
        Task<HttpResponseMessage> early = server.Client.PostAsync("/v2/models/gated/infer", new StringContent(
            """{"inputs":[{"name":"input","shape":[1,1,1,3],"datatype":"FP32","data":[5,6,7]}]}""", Encoding.UTF8, "application/json"));
        model.Open();
        await server.Server.WhenReady.WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v2/models/gated/ready")).StatusCode);
        HttpResponseMessage answer = await early.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("\"data\":[18,5]", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal([2, 1], model.Batches);
    }
}

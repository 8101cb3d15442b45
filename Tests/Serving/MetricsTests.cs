using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Serving.Support;

namespace Xception.Compiler.Tests.Serving;

/// <summary><c>/metrics</c> in Prometheus text format agrees with what the client sent.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task AfterRequests_CountsOutcomesLatenciesBatchesAndQueueDepth()
    {
        await using TestServer server = await TestServer.StartMiniAsync();
        float[][] images = MiniModels.Images(7, seed: 50);
        HttpResponseMessage[] ok = await Task.WhenAll(images.Select((image, i) =>
            server.Client.PostAsync("/v2/models/mini/infer", ProtocolMessages.JsonRequest("m" + i, [image], MiniXception71.InputHeight, MiniXception71.InputWidth))));
        Assert.All(ok, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        for (int i = 0; i < 3; i++)
        {
            HttpResponseMessage bad = await server.Client.PostAsync("/v2/models/mini/infer", new StringContent("{}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await server.Client.PostAsync("/v2/models/other/infer", new StringContent("{}"))).StatusCode);

        string metrics = await server.Client.GetStringAsync("/metrics");

        Assert.Equal(7, Sample(metrics, """xception_requests_total{model="mini",endpoint="infer",outcome="ok"}"""));
        Assert.Equal(3, Sample(metrics, """xception_requests_total{model="mini",endpoint="infer",outcome="bad_request"}"""));
        Assert.Equal(1, Sample(metrics, """xception_requests_total{model="(unknown)",endpoint="infer",outcome="not_found"}"""));
        Assert.Equal(10, Sample(metrics, """xception_request_duration_seconds_count{model="mini",endpoint="infer"}"""));
        Assert.Equal(7, Sample(metrics, """xception_batch_size_sum{model="mini"}"""));
        double batches = Sample(metrics, """xception_batch_size_count{model="mini"}""");
        Assert.InRange(batches, 1, 7);
        Assert.Equal(batches, Sample(metrics, """xception_batch_size_bucket{model="mini",le="8"}"""));
        Assert.Equal(0, Sample(metrics, """xception_queue_depth{model="mini"}"""));
    }

    /// <remarks>
    /// The stages are disjoint pieces of each request's latency, so their sums cannot exceed the latency's; each
    /// request's batch stage holds its batch's whole Predict, so their sum cannot be below the batches' Predict sum.
    /// </remarks>
    [Fact]
    public async Task RequestStagesAndBatchTimes_AgreeWithCountsAndLatency()
    {
        await using TestServer server = await TestServer.StartMiniAsync();
        float[][] images = MiniModels.Images(12, seed: 51);
        HttpResponseMessage[] ok = await Task.WhenAll(images.Select((image, i) =>
            server.Client.PostAsync("/v2/models/mini/infer", ProtocolMessages.JsonRequest("s" + i, [image], MiniXception71.InputHeight, MiniXception71.InputWidth))));
        Assert.All(ok, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        string metrics = await server.Client.GetStringAsync("/metrics");

        string[] stages = ["read", "decode", "queue", "batch", "wake", "respond"];
        double stageSum = 0;
        foreach (string stage in stages)
        {
            string labels = $$"""{model="mini",endpoint="infer",stage="{{stage}}"}""";
            Assert.Equal(12, Sample(metrics, "xception_request_stage_seconds_count" + labels));
            double sum = Sample(metrics, "xception_request_stage_seconds_sum" + labels);
            Assert.True(sum >= 0, $"Stage {stage} sums to {sum}.");
            stageSum += sum;
        }

        double latencySum = Sample(metrics, """xception_request_duration_seconds_sum{model="mini",endpoint="infer"}""");
        Assert.True(stageSum <= latencySum, $"The stages sum to {stageSum} s, more than the latencies' {latencySum} s.");
        double batches = Sample(metrics, """xception_batch_size_count{model="mini"}""");
        Assert.Equal(batches, Sample(metrics, """xception_batch_duration_seconds_count{model="mini"}"""));
        Assert.Equal(batches, Sample(metrics, """xception_batch_gather_seconds_count{model="mini"}"""));
        Assert.Equal(batches, Sample(metrics, """xception_batch_assemble_seconds_count{model="mini"}"""));
        double predictSum = Sample(metrics, """xception_batch_duration_seconds_sum{model="mini"}""");
        double batchStageSum = Sample(metrics, """xception_request_stage_seconds_sum{model="mini",endpoint="infer",stage="batch"}""");
        Assert.True(predictSum > 0 && batchStageSum >= predictSum, $"Requests' batch stages sum to {batchStageSum} s, their batches' Predicts to {predictSum} s.");
    }

    /// <summary>The value of the sample line that starts with <paramref name="series"/>.</summary>
    private static double Sample(string metrics, string series)
    {
        string? line = metrics.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"No sample {series} in:\n{metrics}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}

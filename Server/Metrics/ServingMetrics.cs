using System;
using System.Collections.Generic;
using Prometheus;
using Xception.Compiler.Serving.Batching;

namespace Xception.Compiler.Serving.Metrics;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (so two servers in one process, as in the tests,
/// count apart): requests by outcome, request latency and its stages, batch sizes, where a batch's time goes,
/// and queue depth.
/// </summary>
public sealed class ServingMetrics : IBatchObserver
{
    /// <summary>The ratio of neighbouring histogram buckets: 2^(1/4).</summary>
    private static readonly double QuarterOctave = Math.Pow(2, 0.25);

    private readonly Counter _requests;
    private readonly Histogram _latency;
    private readonly Histogram _batchSize;
    private readonly Histogram _batchSeconds;
    private readonly Histogram _batchGather;
    private readonly Histogram _batchAssemble;
    private readonly Histogram _stages;
    private readonly Gauge _queueDepth;

    public ServingMetrics(int maxBatch)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        // The runtime's own counters (collections per generation, heap size, CPU): a load run then shows
        // whether its tail comes with full collections.
        DotNetStats.Register(Registry);
        MetricFactory factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        Gauge allocated = factory.CreateGauge("xception_process_allocated_bytes",
            "Bytes the process allocated since it started (a load run's difference over its requests is the allocation per request).");
        Registry.AddBeforeCollectCallback(() => allocated.Set(GC.GetTotalAllocatedBytes()));
        // The heap right after the last full collection is what survives: garbage promoted to gen 2 makes the
        // heap between full collections a sawtooth, a leak makes this value climb from one collection to the next.
        Gauge heapAfterFull = factory.CreateGauge("xception_gc_heap_after_full_collection_bytes",
            "Managed heap size right after the last full (gen 2) collection, background or blocking; 0 before the first.");
        Gauge fullCollections = factory.CreateGauge("xception_gc_full_collections",
            "Full (gen 2) collections since the process started, the last of which set xception_gc_heap_after_full_collection_bytes.");
        // What the collector holds from the OS (heap, free space it keeps for the next allocations, bookkeeping):
        // the resident size minus this is native memory (Kestrel's buffers, thread stacks, JIT code).
        Gauge committed = factory.CreateGauge("xception_gc_committed_bytes",
            "Memory the garbage collector has committed, as of the last collection.");
        Registry.AddBeforeCollectCallback(() =>
        {
            committed.Set(GC.GetGCMemoryInfo().TotalCommittedBytes);
            GCMemoryInfo last = LastFullCollection();
            heapAfterFull.Set(last.HeapSizeBytes);
            fullCollections.Set(GC.CollectionCount(2));
        });
        _requests = factory.CreateCounter("xception_requests_total", "Inference and classify requests by model, endpoint and outcome.",
            new CounterConfiguration { LabelNames = ["model", "endpoint", "outcome"] });
        // Four buckets per doubling (each 19% wider than the last), from 1 ms to 16 s: the p99 target is a ratio
        // near 3 of the batch step, and doubling buckets put 2 and 3 steps of a 0.8-s step into the same one.
        double[] durationBuckets = Histogram.ExponentialBuckets(0.001, QuarterOctave, 57);
        _latency = factory.CreateHistogram("xception_request_duration_seconds", "Time from a request's arrival to its answer.",
            new HistogramConfiguration
            {
                LabelNames = ["model", "endpoint"],
                Buckets = durationBuckets,
            });
        _batchSize = factory.CreateHistogram("xception_batch_size", "Images per Predict the batcher ran.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = Histogram.LinearBuckets(1, 1, Math.Max(1, maxBatch)) });
        _batchSeconds = factory.CreateHistogram("xception_batch_duration_seconds", "Time of one batched Predict (the model's step, without gathering or copying).",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = durationBuckets });
        // From 0.1 ms (copying one image's input takes about that long, and the stages are to be told apart) to 26 s.
        double[] stageBuckets = Histogram.ExponentialBuckets(0.0001, QuarterOctave, 73);
        _batchGather = factory.CreateHistogram("xception_batch_gather_seconds",
            "From a batch taking its first request to taking its last (the max-delay wait when the queue held too few).",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = stageBuckets });
        _batchAssemble = factory.CreateHistogram("xception_batch_assemble_seconds", "Copying a batch's requests into its input.",
            new HistogramConfiguration { LabelNames = ["model"], Buckets = stageBuckets });
        _stages = factory.CreateHistogram("xception_request_stage_seconds",
            "Where an answered inference request's time went: read, decode, queue, batch, wake, respond (disjoint, in order).",
            new HistogramConfiguration { LabelNames = ["model", "endpoint", "stage"], Buckets = stageBuckets });
        _queueDepth = factory.CreateGauge("xception_queue_depth", "Requests waiting for a batch.",
            new GaugeConfiguration { LabelNames = ["model"] });
    }

    /// <summary>The later of the last background and the last blocking gen-2 collection (index 0 when none ran).</summary>
    private static GCMemoryInfo LastFullCollection()
    {
        GCMemoryInfo background = GC.GetGCMemoryInfo(GCKind.Background);
        GCMemoryInfo blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return background.Index >= blocking.Index ? background : blocking;
    }

    /// <summary>What <c>/metrics</c> exposes.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Reads every batcher's queue depth at each scrape.</summary>
    public void WatchQueues(IReadOnlyDictionary<string, DynamicBatcher> batchers)
    {
        Registry.AddBeforeCollectCallback(() =>
        {
            foreach ((string model, DynamicBatcher batcher) in batchers)
            {
                _queueDepth.WithLabels(model).Set(batcher.QueueDepth);
            }
        });
    }

    /// <summary>One request answered: <paramref name="outcome"/> is a <see cref="RequestOutcome"/> name.</summary>
    public void RequestFinished(string model, string endpoint, string outcome, TimeSpan elapsed)
    {
        _requests.WithLabels(model, endpoint, outcome).Inc();
        _latency.WithLabels(model, endpoint).Observe(elapsed.TotalSeconds);
    }

    /// <summary>The stages of one answered request (<see cref="RequestOutcome.Ok"/> only).</summary>
    public void RequestAnswered(string model, string endpoint, RequestStages stages)
    {
        _stages.WithLabels(model, endpoint, "read").Observe(stages.Read.TotalSeconds);
        _stages.WithLabels(model, endpoint, "decode").Observe(stages.Decode.TotalSeconds);
        _stages.WithLabels(model, endpoint, "queue").Observe(stages.Queue.TotalSeconds);
        _stages.WithLabels(model, endpoint, "batch").Observe(stages.Batch.TotalSeconds);
        _stages.WithLabels(model, endpoint, "wake").Observe(stages.Wake.TotalSeconds);
        _stages.WithLabels(model, endpoint, "respond").Observe(stages.Respond.TotalSeconds);
    }

    public void BatchRan(string model, BatchRun run)
    {
        _batchSize.WithLabels(model).Observe(run.Images);
        _batchSeconds.WithLabels(model).Observe(run.Predict.TotalSeconds);
        _batchGather.WithLabels(model).Observe(run.Gather.TotalSeconds);
        _batchAssemble.WithLabels(model).Observe(run.Assemble.TotalSeconds);
    }
}

/// <summary>The <c>outcome</c> label values of <c>xception_requests_total</c>.</summary>
public static class RequestOutcome
{
    public const string Ok = "ok";
    public const string BadRequest = "bad_request";
    public const string NotFound = "not_found";
    public const string TooLarge = "too_large";
    public const string Rejected = "rejected";
    public const string Cancelled = "cancelled";
    public const string Error = "error";
}

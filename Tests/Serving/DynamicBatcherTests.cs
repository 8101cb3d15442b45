using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xception.Compiler.Runtime;
using Xception.Compiler.Serving.Batching;
using Xception.Compiler.Tests.Serving.Support;

namespace Xception.Compiler.Tests.Serving;

/// <summary>The batching queue on its own, without HTTP: real mini model for the numbers, a gated stand-in for timing.</summary>
public sealed class DynamicBatcherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <remarks>
    /// Cpu runs a batch one image at a time (its chunk size is 1); IlgpuCpu runs the GPU kernels on whole
    /// batches, so there the batched Predict itself must also match the single-image one.
    /// </remarks>
    [Theory]
    [InlineData(Backend.Cpu)]
    [InlineData(Backend.IlgpuCpu)]
    public async Task ConcurrentRequests_AreBatched_EachGetsItsOwnOutputBitForBit(Backend backend)
    {
        using var reference = MiniModels.Load(maxBatch: 1, backend);
        using var served = MiniModels.Load(maxBatch: 8, backend);
        // ILGPU's CPU accelerator is slow: fewer images there, still several batches of more than one.
        float[][] images = MiniModels.Images(backend == Backend.Cpu ? 48 : 16, seed: 100);
        float[][] expected = MiniModels.SinglePredictions(reference, images);
        var observer = new RecordingObserver();
        await using var batcher = new DynamicBatcher("mini", served,
            new BatchingOptions { MaxBatch = 8, MaxDelay = TimeSpan.FromMilliseconds(20), MaxQueue = 64 }, observer);

        // All at once from many threads, so the queue holds several requests when the worker takes a batch.
        float[][] answers = await Task.WhenAll(images.Select(image => Task.Run(() => batcher.InferAsync(image, 1))));

        for (int i = 0; i < images.Length; i++)
        {
            Assert.Equal(BitsOf(expected[i]), BitsOf(answers[i]));
        }

        Assert.Equal(images.Length, observer.Batches.Sum(b => b.Images));
        Assert.All(observer.Batches, b => Assert.InRange(b.Images, 1, 8));
        Assert.Contains(observer.Batches, b => b.Images > 1);
    }

    [Fact]
    public async Task RequestCancelledWhileQueued_IsSkipped_OthersGetTheirOwnSlices()
    {
        using var model = new GatedModel();
        await using var batcher = new DynamicBatcher("gated", model, new BatchingOptions { MaxBatch = 8, MaxDelay = TimeSpan.Zero });
        Task<float[]> first = batcher.InferAsync(new float[] { 1, 2, 3 }, 1);
        Assert.True(await model.Entered.WaitAsync(Patience));

        using var cancel = new CancellationTokenSource();
        Task<float[]> cancelled = batcher.InferAsync(new float[] { 10, 20, 30 }, 1, cancel.Token);
        Task<float[]> second = batcher.InferAsync(new float[] { 4, 5, 6, 7, 8, 9 }, 2);
        cancel.Cancel();
        model.Open();

        Assert.Equal(GatedModel.Expected([1, 2, 3]), await first);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(GatedModel.Expected([4, 5, 6]).Concat(GatedModel.Expected([7, 8, 9])), await second);
        Assert.Equal([1, 2], model.Batches);
    }

    [Fact]
    public async Task RequestCancelledAfterItsBatchStarted_LeavesTheBatchIntact()
    {
        using var model = new GatedModel();
        await using var batcher = new DynamicBatcher("gated", model, new BatchingOptions { MaxBatch = 4, MaxDelay = TimeSpan.FromMilliseconds(200) });
        using var cancel = new CancellationTokenSource();
        Task<float[]> a = batcher.InferAsync(new float[] { 1, 1, 1 }, 1, cancel.Token);
        Task<float[]> b = batcher.InferAsync(new float[] { 2, 3, 4 }, 1);
        Assert.True(await model.Entered.WaitAsync(Patience));
        cancel.Cancel();
        model.Open();

        Assert.Equal(GatedModel.Expected([1, 1, 1]), await a);
        Assert.Equal(GatedModel.Expected([2, 3, 4]), await b);
        Assert.Equal([2], model.Batches);
    }

    [Fact]
    public async Task FullQueue_RejectsAtOnce_AndServesWhatItHolds()
    {
        using var model = new GatedModel();
        await using var batcher = new DynamicBatcher("gated", model, new BatchingOptions { MaxBatch = 1, MaxDelay = TimeSpan.Zero, MaxQueue = 2 });
        Task<float[]> running = batcher.InferAsync(new float[] { 1, 2, 3 }, 1);
        Assert.True(await model.Entered.WaitAsync(Patience));
        Task<float[]> queued1 = batcher.InferAsync(new float[] { 2, 2, 2 }, 1);
        Task<float[]> queued2 = batcher.InferAsync(new float[] { 3, 3, 3 }, 1);

        var full = Assert.Throws<QueueFullException>(() => { _ = batcher.InferAsync(new float[] { 4, 4, 4 }, 1); });
        Assert.Contains("2 requests waiting", full.Message, StringComparison.Ordinal);
        Assert.Equal(2, batcher.QueueDepth);
        model.Open();

        Assert.Equal(GatedModel.Expected([1, 2, 3]), await running);
        Assert.Equal(GatedModel.Expected([2, 2, 2]), await queued1);
        Assert.Equal(GatedModel.Expected([3, 3, 3]), await queued2);
    }

    [Fact]
    public async Task Stop_RefusesNewRequests_AndFinishesEveryQueuedOne()
    {
        using var model = new GatedModel();
        var batcher = new DynamicBatcher("gated", model, new BatchingOptions { MaxBatch = 2, MaxDelay = TimeSpan.Zero });
        Task<float[]>[] queued = Enumerable.Range(1, 5).Select(i => batcher.InferAsync(new float[] { i, i, i }, 1)).ToArray();
        Assert.True(await model.Entered.WaitAsync(Patience));

        Task stopped = batcher.StopAsync();
        Assert.Throws<BatcherStoppedException>(() => { _ = batcher.InferAsync(new float[] { 9, 9, 9 }, 1); });
        Assert.False(stopped.IsCompleted);
        model.Open();
        await stopped.WaitAsync(Patience);

        for (int i = 0; i < queued.Length; i++)
        {
            Assert.True(queued[i].IsCompletedSuccessfully);
            Assert.Equal(GatedModel.Expected([i + 1, i + 1, i + 1]), await queued[i]);
        }

        Assert.Equal(5, model.Batches.Sum());
    }

    [Fact]
    public async Task RequestLargerThanMaxBatch_RunsAlone_AndTheNextOneIsNotLost()
    {
        using var model = new GatedModel();
        await using var batcher = new DynamicBatcher("gated", model, new BatchingOptions { MaxBatch = 2, MaxDelay = TimeSpan.FromMilliseconds(50) });
        Task<float[]> small = batcher.InferAsync(new float[] { 1, 1, 1 }, 1);
        Task<float[]> large = batcher.InferAsync(Enumerable.Range(0, 9).Select(i => (float)i).ToArray(), 3);
        Task<float[]> after = batcher.InferAsync(new float[] { 5, 5, 5 }, 1);
        model.Open();

        Assert.Equal(GatedModel.Expected([1, 1, 1]), await small);
        Assert.Equal(GatedModel.Expected([0, 1, 2]).Concat(GatedModel.Expected([3, 4, 5])).Concat(GatedModel.Expected([6, 7, 8])), await large);
        Assert.Equal(GatedModel.Expected([5, 5, 5]), await after);
        Assert.Equal([1, 3, 1], model.Batches);
    }

    [Fact]
    public async Task WrongImageLength_IsRejectedBeforeQueueing_NamingBothLengths()
    {
        using var model = new GatedModel(open: true);
        await using var batcher = new DynamicBatcher("gated", model, new BatchingOptions());
        var e = Assert.Throws<ArgumentException>(() => { _ = batcher.InferAsync(new float[] { 1, 2, 3, 4 }, 1); });
        Assert.Contains("Expected 1 image(s) of 3 floats (3 floats), found 4", e.Message, StringComparison.Ordinal);
    }

    /// <remarks>
    /// The max delay is far longer than the test: a batch that waited for it would show a gather of seconds.
    /// The gate is held for a measured interval that lies inside the second batch's queue wait and inside
    /// the first batch's own time, so both timelines must be at least that long.
    /// </remarks>
    [Fact]
    public async Task FullBatchAlreadyQueued_StartsWithoutTheMaxDelay_AndTimelinesSplitQueueFromBatch()
    {
        using var model = new GatedModel();
        var observer = new RecordingObserver();
        await using var batcher = new DynamicBatcher("gated", model, new BatchingOptions { MaxBatch = 2, MaxDelay = TimeSpan.FromSeconds(20) }, observer);
        var a = new RequestTimeline();
        var c = new RequestTimeline();
        Task<float[]> first = batcher.InferAsync(new float[] { 1, 1, 1 }, 1, a);
        Task<float[]> second = batcher.InferAsync(new float[] { 2, 2, 2 }, 1);
        Assert.True(await model.Entered.WaitAsync(Patience));
        Task<float[]> third = batcher.InferAsync(new float[] { 3, 3, 3 }, 1, c);
        Task<float[]> fourth = batcher.InferAsync(new float[] { 4, 4, 4 }, 1);
        var held = Stopwatch.StartNew();
        await Task.Delay(300);
        held.Stop();
        model.Open();

        Assert.Equal(GatedModel.Expected([1, 1, 1]), await first.WaitAsync(Patience));
        Assert.Equal(GatedModel.Expected([2, 2, 2]), await second.WaitAsync(Patience));
        Assert.Equal(GatedModel.Expected([3, 3, 3]), await third.WaitAsync(Patience));
        Assert.Equal(GatedModel.Expected([4, 4, 4]), await fourth.WaitAsync(Patience));
        Assert.Equal([2, 2], model.Batches);
        BatchRun[] runs = observer.Batches.ToArray();
        Assert.Equal(2, runs.Length);
        Assert.True(runs[1].Gather < TimeSpan.FromSeconds(5), $"The full second batch waited {runs[1].Gather} to gather.");
        Assert.True(c.QueueWait >= held.Elapsed, $"Queued through a held batch of {held.Elapsed}, found a queue wait of {c.QueueWait}.");
        Assert.True(a.BatchTime >= held.Elapsed, $"A batch held for {held.Elapsed} took {a.BatchTime}.");
        Assert.True(runs[0].Predict >= held.Elapsed, $"A Predict held for {held.Elapsed} took {runs[0].Predict}.");
        Assert.True(a.Queued <= a.Started && a.Started <= a.Completed && c.Queued <= c.Started && c.Started <= c.Completed);
    }

    private static int[] BitsOf(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Xception.Compiler.Runtime;

namespace Xception.Compiler.Serving.Batching;

/// <summary>
/// Coalesces concurrent requests for one model into batched <c>Predict</c> calls: a bounded queue, and one
/// worker that takes up to <see cref="BatchingOptions.MaxBatch"/> images, waiting at most
/// <see cref="BatchingOptions.MaxDelay"/> after the first for others to join, runs them as one batch and hands
/// each request exactly its own outputs. A full queue rejects at once (<see cref="QueueFullException"/>) instead
/// of growing a backlog; <see cref="StopAsync"/> takes nothing new and finishes everything queued.
/// </summary>
/// <remarks>
/// The worker is a thread of its own, not a thread-pool task: Predict blocks its caller for a whole batch
/// (the caller is one of the CPU backend's compute threads), and a blocked pool thread is one fewer for
/// Kestrel's handlers on a 2-core machine, where the pool starts with 2.
/// </remarks>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly ICompiledModel _model;
    private readonly string _name;
    private readonly BatchingOptions _options;
    private readonly IBatchObserver? _observer;
    private readonly RequestQueue _queue;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _warmedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private float[] _input = [];
    private float[] _output = [];
    private volatile bool _stopping;

    /// <summary>Starts the worker of <paramref name="model"/>; the batcher is from now on its only caller.</summary>
    public DynamicBatcher(string name, ICompiledModel model, BatchingOptions options, IBatchObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _name = name;
        _model = model;
        _options = options;
        _observer = observer;
        _queue = new RequestQueue(options.MaxQueue);
        new Thread(Work) { IsBackground = true, Name = $"Batcher of {name}" }.Start();
    }

    /// <summary>
    /// True once the warm-up batch ran (at once when <see cref="BatchingOptions.WarmUp"/> is off); stays false if it
    /// failed. Requests queued before are answered after it.
    /// </summary>
    public bool IsReady => _warmedUp.Task.IsCompletedSuccessfully;

    /// <summary>Completes when <see cref="IsReady"/> turns true, or with the warm-up's exception.</summary>
    public Task WarmedUp => _warmedUp.Task;

    /// <summary>Requests waiting for a batch (not counting the batch running now).</summary>
    public int QueueDepth => _queue.Count;

    /// <summary>
    /// Queues <paramref name="count"/> images (NHWC, preprocessed, count × InputLength floats) and returns their
    /// outputs (count × OutputLength floats) once their batch ran. The caller must not change
    /// <paramref name="images"/> until then.
    /// </summary>
    /// <exception cref="ArgumentException">The images are not <paramref name="count"/> inputs of this model.</exception>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    /// <exception cref="BatcherStoppedException">The batcher is stopping.</exception>
    /// <exception cref="OperationCanceledException">(from the task) cancelled before its batch started.</exception>
    public Task<float[]> InferAsync(ReadOnlyMemory<float> images, int count, CancellationToken cancellationToken = default) =>
        InferAsync(images, count, new RequestTimeline(), cancellationToken);

    /// <summary>
    /// Same as <see cref="InferAsync(ReadOnlyMemory{float}, int, CancellationToken)"/>, and stamps
    /// <paramref name="timeline"/> as the request is queued, started and completed.
    /// </summary>
    public Task<float[]> InferAsync(ReadOnlyMemory<float> images, int count, RequestTimeline timeline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        if (count < 1 || images.Length != (long)count * _model.InputLength)
        {
            throw new ArgumentException(
                $"Expected {count} image(s) of {_model.InputLength} floats ({(long)count * _model.InputLength} floats), found {images.Length}.",
                nameof(images));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var request = new QueuedRequest(images, count, timeline);
        timeline.Queued = Stopwatch.GetTimestamp();
        if (!_queue.TryAdd(request))
        {
            throw _stopping ? new BatcherStoppedException(_name) : new QueueFullException(_name, _options.MaxQueue);
        }

        request.CancelWith(cancellationToken);
        return request.Result;
    }

    /// <summary>Takes no new requests, runs every queued one, and returns when the last batch finished.</summary>
    public Task StopAsync()
    {
        _stopping = true;
        _queue.Complete();
        return _finished.Task;
    }

    /// <summary>Same as <see cref="StopAsync"/>; the model itself is the caller's to dispose.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void Work()
    {
        try
        {
            WarmUp();
            RunBatches();
            _finished.SetResult();
        }
        catch (Exception e)
        {
            _finished.SetException(e);
        }
    }

    /// <summary>
    /// The warm-up batch, through the same buffers the batches use, and not reported to the observer: the metrics
    /// count clients' batches only. A failure leaves the batcher not ready but serving, so each request then
    /// gets the model's own error.
    /// </summary>
    private void WarmUp()
    {
        if (!_options.WarmUp)
        {
            _warmedUp.SetResult();
            return;
        }

        try
        {
            int images = _options.MaxBatch;
            Span<float> input = Rent(ref _input, images * _model.InputLength);
            input.Clear();
            _model.Predict(input, Rent(ref _output, images * _model.OutputLength), images);
            _warmedUp.SetResult();
        }
        catch (Exception e)
        {
            _warmedUp.SetException(e);
        }
    }

    private void RunBatches()
    {
        var batch = new List<QueuedRequest>(_options.MaxBatch);
        QueuedRequest? carried = null;
        while (true)
        {
            QueuedRequest first;
            if (carried is not null)
            {
                // Already claimed: it did not fit into the previous batch.
                first = carried;
                carried = null;
            }
            else
            {
                if (!_queue.TryTake(out first))
                {
                    return;
                }

                if (!first.TryStart())
                {
                    continue;
                }
            }

            // A carried request waited through the previous batch: its own batch starts now.
            first.Timeline.Started = Stopwatch.GetTimestamp();

            long gatherStarted = first.Timeline.Started;
            batch.Add(first);
            int images = first.Count;
            // Requests already queued join at once; the max-delay wait only runs while the batch is short.
            long deadline = gatherStarted + (long)(_options.MaxDelay.TotalSeconds * Stopwatch.Frequency);
            while (images < _options.MaxBatch && _queue.TryTake(deadline, out QueuedRequest next))
            {
                if (!next.TryStart())
                {
                    continue;
                }

                next.Timeline.Started = Stopwatch.GetTimestamp();
                if (images + next.Count > _options.MaxBatch)
                {
                    carried = next;
                    break;
                }

                batch.Add(next);
                images += next.Count;
            }

            Run(batch, images, Stopwatch.GetElapsedTime(gatherStarted));
            batch.Clear();
        }
    }

    private void Run(List<QueuedRequest> batch, int images, TimeSpan gather)
    {
        int inputLength = _model.InputLength;
        int outputLength = _model.OutputLength;
        long assembleStarted = Stopwatch.GetTimestamp();
        Span<float> input = Rent(ref _input, images * inputLength);
        int offset = 0;
        foreach (QueuedRequest request in batch)
        {
            request.Images.Span.CopyTo(input[offset..]);
            offset += request.Images.Length;
        }

        Span<float> output = Rent(ref _output, images * outputLength);
        long predictStarted = Stopwatch.GetTimestamp();
        try
        {
            _model.Predict(input, output, images);
        }
        catch (Exception e)
        {
            foreach (QueuedRequest request in batch)
            {
                request.Timeline.Completed = Stopwatch.GetTimestamp();
                request.Fail(e);
            }

            return;
        }

        long predictFinished = Stopwatch.GetTimestamp();
        offset = 0;
        foreach (QueuedRequest request in batch)
        {
            int length = request.Count * outputLength;
            float[] outputs = output.Slice(offset, length).ToArray();
            request.Timeline.Completed = Stopwatch.GetTimestamp();
            request.Complete(outputs);
            offset += length;
        }

        _observer?.BatchRan(_name, new BatchRun(images, batch.Count, gather,
            Stopwatch.GetElapsedTime(assembleStarted, predictStarted), Stopwatch.GetElapsedTime(predictStarted, predictFinished)));
    }

    /// <summary>The first <paramref name="length"/> floats of a reused buffer, grown when too small.</summary>
    private static Span<float> Rent(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }

        return buffer.AsSpan(0, length);
    }
}

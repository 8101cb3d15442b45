using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
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
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly ICompiledModel _model;
    private readonly string _name;
    private readonly BatchingOptions _options;
    private readonly IBatchObserver? _observer;
    private readonly Channel<QueuedRequest> _queue;
    private readonly Task _worker;
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
        _queue = Channel.CreateBounded<QueuedRequest>(new BoundedChannelOptions(options.MaxQueue)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Requests waiting for a batch (not counting the batch running now).</summary>
    public int QueueDepth => _queue.Reader.Count;

    /// <summary>
    /// Queues <paramref name="count"/> images (NHWC, preprocessed, count × InputLength floats) and returns their
    /// outputs (count × OutputLength floats) once their batch ran. The caller must not change
    /// <paramref name="images"/> until then.
    /// </summary>
    /// <exception cref="ArgumentException">The images are not <paramref name="count"/> inputs of this model.</exception>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    /// <exception cref="BatcherStoppedException">The batcher is stopping.</exception>
    /// <exception cref="OperationCanceledException">(from the task) cancelled before its batch started.</exception>
    public Task<float[]> InferAsync(ReadOnlyMemory<float> images, int count, CancellationToken cancellationToken = default)
    {
        if (count < 1 || images.Length != (long)count * _model.InputLength)
        {
            throw new ArgumentException(
                $"Expected {count} image(s) of {_model.InputLength} floats ({(long)count * _model.InputLength} floats), found {images.Length}.",
                nameof(images));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var request = new QueuedRequest(images, count);
        if (!_queue.Writer.TryWrite(request))
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
        _queue.Writer.TryComplete();
        return _worker;
    }

    /// <summary>Same as <see cref="StopAsync"/>; the model itself is the caller's to dispose.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task RunAsync()
    {
        ChannelReader<QueuedRequest> reader = _queue.Reader;
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
                if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    return;
                }

                if (!reader.TryRead(out first!) || !first.TryStart())
                {
                    continue;
                }
            }

            batch.Add(first);
            int images = first.Count;
            long deadline = Stopwatch.GetTimestamp() + (long)(_options.MaxDelay.TotalSeconds * Stopwatch.Frequency);
            while (images < _options.MaxBatch)
            {
                if (reader.TryRead(out QueuedRequest? next))
                {
                    if (!next.TryStart())
                    {
                        continue;
                    }

                    if (images + next.Count > _options.MaxBatch)
                    {
                        carried = next;
                        break;
                    }

                    batch.Add(next);
                    images += next.Count;
                    continue;
                }

                TimeSpan remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero || !await WaitForMoreAsync(reader, remaining).ConfigureAwait(false))
                {
                    break;
                }
            }

            Run(batch, images);
            batch.Clear();
        }
    }

    /// <summary>True when another request arrived within <paramref name="remaining"/>.</summary>
    private static async Task<bool> WaitForMoreAsync(ChannelReader<QueuedRequest> reader, TimeSpan remaining)
    {
        using var timeout = new CancellationTokenSource(remaining);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false;
        }
    }

    private void Run(List<QueuedRequest> batch, int images)
    {
        int inputLength = _model.InputLength;
        int outputLength = _model.OutputLength;
        Span<float> input = Rent(ref _input, images * inputLength);
        int offset = 0;
        foreach (QueuedRequest request in batch)
        {
            request.Images.Span.CopyTo(input[offset..]);
            offset += request.Images.Length;
        }

        Span<float> output = Rent(ref _output, images * outputLength);
        long started = Stopwatch.GetTimestamp();
        try
        {
            _model.Predict(input, output, images);
        }
        catch (Exception e)
        {
            foreach (QueuedRequest request in batch)
            {
                request.Fail(e);
            }

            return;
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        offset = 0;
        foreach (QueuedRequest request in batch)
        {
            int length = request.Count * outputLength;
            request.Complete(output.Slice(offset, length).ToArray());
            offset += length;
        }

        _observer?.BatchRan(_name, images, batch.Count, elapsed);
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

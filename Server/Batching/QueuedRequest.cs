using System;
using System.Threading;
using System.Threading.Tasks;

namespace Xception.Compiler.Serving.Batching;

/// <summary>
/// One request in a <see cref="DynamicBatcher"/>'s queue: its images, and the promise of exactly its outputs.
/// A request is taken by the worker or cancelled, never both: whichever claims it first wins, so a request
/// cancelled while queued is skipped, and one cancelled after its batch started still gets (and drops) its slice.
/// </summary>
internal sealed class QueuedRequest
{
    private const int Queued = 0;
    private const int Started = 1;
    private const int Cancelled = 2;

    private readonly TaskCompletionSource<float[]> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _registration;
    private int _state;

    public QueuedRequest(ReadOnlyMemory<float> images, int count, RequestTimeline timeline)
    {
        Images = images;
        Count = count;
        Timeline = timeline;
    }

    public ReadOnlyMemory<float> Images { get; }

    /// <summary>Images in <see cref="Images"/>.</summary>
    public int Count { get; }

    public RequestTimeline Timeline { get; }

    public Task<float[]> Result => _result.Task;

    /// <summary>Cancels the request through <paramref name="cancellationToken"/> for as long as it has not started.</summary>
    public void CancelWith(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.Register(static state =>
            {
                var request = (QueuedRequest)state!;
                if (Interlocked.CompareExchange(ref request._state, Cancelled, Queued) == Queued)
                {
                    request._result.TrySetCanceled();
                }
            }, this);
        }
    }

    /// <summary>Claims the request for a batch; false when it was cancelled first.</summary>
    public bool TryStart()
    {
        bool started = Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;
        _registration.Dispose();
        return started;
    }

    public void Complete(float[] outputs) => _result.TrySetResult(outputs);

    public void Fail(Exception error) => _result.TrySetException(error);
}

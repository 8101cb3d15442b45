using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace Xception.Compiler.Serving.Batching;

/// <summary>
/// The bounded queue between request handlers and a batcher's one worker thread. A plain monitor, not a
/// Channel: the worker blocks on it with a timeout, and a timed wait on a channel completes through a timer
/// callback on the thread pool, which is the pool Kestrel's handlers keep busy under load.
/// </summary>
internal sealed class RequestQueue(int capacity)
{
    private readonly Queue<QueuedRequest> _items = new();
    private bool _completed;

    /// <summary>Requests waiting (cancelled ones included until the worker skips them).</summary>
    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>False when the queue is full or completed.</summary>
    public bool TryAdd(QueuedRequest request)
    {
        lock (_items)
        {
            if (_completed || _items.Count >= capacity)
            {
                return false;
            }

            _items.Enqueue(request);
            Monitor.Pulse(_items);
            return true;
        }
    }

    /// <summary>Takes nothing new; the worker still takes what is queued.</summary>
    public void Complete()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
    }

    /// <summary>Blocks until a request is queued; false once the queue is completed and empty.</summary>
    public bool TryTake(out QueuedRequest request) => TryTake(long.MaxValue, out request);

    /// <summary>
    /// Waits until the <see cref="Stopwatch"/> timestamp <paramref name="deadline"/> at most; false when
    /// nothing came by then or the queue is completed and empty.
    /// </summary>
    public bool TryTake(long deadline, out QueuedRequest request)
    {
        lock (_items)
        {
            while (_items.Count == 0)
            {
                if (_completed)
                {
                    request = null!;
                    return false;
                }

                if (deadline == long.MaxValue)
                {
                    Monitor.Wait(_items);
                    continue;
                }

                TimeSpan remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero || !Monitor.Wait(_items, remaining))
                {
                    if (_items.Count == 0)
                    {
                        request = null!;
                        return false;
                    }
                }
            }

            request = _items.Dequeue();
            return true;
        }
    }
}

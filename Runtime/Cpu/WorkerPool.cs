using System;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>A unit of parallel work: tasks 0..count-1, each run once, on any worker.</summary>
internal interface IParallelJob
{
    /// <param name="task">The task index.</param>
    /// <param name="worker">0 for the calling thread, 1..Threads-1 for the pool's threads (indexes per-worker scratch).</param>
    void Execute(int task, int worker);
}

/// <summary>
/// Persistent worker threads that run one job at a time together with the calling thread. Unlike
/// Parallel.For, a run allocates nothing: the job is a cached object, tasks are handed out by an
/// interlocked counter, and the threads spin briefly, then park on semaphores between steps (a step of
/// Xception is short, so waking a sleeping thread would cost a noticeable share of it). SemaphoreSlim,
/// not ManualResetEventSlim: the latter's blocking path allocates now and then on .NET 10.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>SpinOnce calls before a wait blocks (with backoff; how long that spins is in Benchmarks/RESULTS.md).</summary>
    private const int SpinCount = 200;

    private readonly Thread[] threads;
    private readonly SemaphoreSlim[] start;
    private readonly long[] allocatedBytes;
    private readonly SemaphoreSlim finished = new(0);
    private IParallelJob? job;
    private int taskCount;
    private int nextTask;
    private int pending;
    private ExceptionDispatchInfo? failure;
    private volatile bool stopping;

    public WorkerPool(int threadCount)
    {
        Threads = Math.Max(1, threadCount);
        threads = new Thread[Threads - 1];
        start = new SemaphoreSlim[Threads - 1];
        allocatedBytes = new long[Threads];
        for (int i = 0; i < threads.Length; i++)
        {
            start[i] = new SemaphoreSlim(0);
            int worker = i + 1;
            threads[i] = new Thread(() => Loop(worker))
            {
                IsBackground = true,
                Name = $"Xception CPU worker {worker}",
            };
            threads[i].Start();
        }
    }

    /// <summary>Threads a job runs on, the caller's included.</summary>
    public int Threads { get; }

    /// <summary>
    /// Bytes the pool's own threads have allocated, as of the end of their last job (tests check that
    /// a Predict allocates nothing on any thread; process-wide counters also see the test host's threads).
    /// </summary>
    public long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            for (int i = 1; i < allocatedBytes.Length; i++)
            {
                sum += Volatile.Read(ref allocatedBytes[i]);
            }

            return sum;
        }
    }

    /// <summary>Runs tasks 0..<paramref name="count"/>-1 of <paramref name="work"/> and returns when all are done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(IParallelJob work, int count)
    {
        if (count <= 0)
        {
            return;
        }

        int helpers = Math.Min(count - 1, threads.Length);
        if (helpers == 0 || stopping)
        {
            for (int t = 0; t < count; t++)
            {
                work.Execute(t, 0);
            }

            return;
        }

        job = work;
        taskCount = count;
        nextTask = 0;
        failure = null;
        pending = helpers;
        for (int i = 0; i < helpers; i++)
        {
            start[i].Release();
        }

        Drain(0);
        SpinThenWait(finished);
        job = null;
        failure?.Throw();
    }

    public void Dispose()
    {
        stopping = true;
        foreach (SemaphoreSlim s in start)
        {
            s.Release();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Loop(int worker)
    {
        SemaphoreSlim go = start[worker - 1];
        while (true)
        {
            SpinThenWait(go);

            // A job handed out before Dispose still completes, so its caller is never left waiting.
            if (Volatile.Read(ref job) is not null)
            {
                Drain(worker);
                Volatile.Write(ref allocatedBytes[worker], GC.GetAllocatedBytesForCurrentThread());
                if (Interlocked.Decrement(ref pending) == 0)
                {
                    finished.Release();
                }
            }

            if (stopping)
            {
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SpinThenWait(SemaphoreSlim semaphore)
    {
        var spinner = default(SpinWait);
        for (int i = 0; i < SpinCount && semaphore.CurrentCount == 0; i++)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        semaphore.Wait();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Drain(int worker)
    {
        IParallelJob? work = Volatile.Read(ref job);
        if (work is null)
        {
            return;
        }

        int t;
        while ((t = Interlocked.Increment(ref nextTask) - 1) < taskCount)
        {
            try
            {
                work.Execute(t, worker);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
            }
        }
    }
}

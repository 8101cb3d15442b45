using System;
using System.Threading;
using Xception.Compiler.Runtime;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Cpu;

/// <summary>Runs alone (after the parallel collections), so the process-wide counter sees no other test's work.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideAllocationCollection
{
    public const string Name = "Process-wide allocation (no parallel tests)";
}

/// <summary>
/// What BenchmarkDotNet's memory diagnoser counts: GC.GetTotalAllocatedBytes(precise: true), process-wide,
/// so the pool's worker threads, their parking and waking, and anything else a Predict triggers are all in it.
/// </summary>
[Collection(ProcessWideAllocationCollection.Name)]
public sealed class ProcessAllocationTests
{
    private const int Predicts = 50;
    private const int Attempts = 6;

    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    public void Predicts_AfterWarmUp_AllocateNothingProcessWide(int threads, int batch)
    {
        using var model = MiniXception71.Load(TestPaths.Fixture("mini_xception_w0125_top10.h5"),
            new InferenceOptions { Backend = Backend.Cpu, Threads = threads, MaxBatch = 2 });
        var input = new float[batch * MiniXception71.InputLength];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (i % 255) / 127.5f - 1f;
        }

        var output = new float[batch * MiniXception71.OutputLength];
        for (int i = 0; i < 5; i++)
        {
            model.Predict(input, output);
        }

        // The host's own threads (and the finalizer thread after a GC) allocate a few hundred bytes now and
        // then, so each window of Predicts is paired with an equally long window without one. A Predict that
        // allocated would add at least Predicts × 24 bytes to every Predict window; the noise does not come
        // with every window. So: at least one Predict window is exactly 0, or every one is within the noise
        // of its paired idle window.
        var predictBytes = new long[Attempts];
        var idleBytes = new long[Attempts];
        bool clean = false;
        for (int attempt = 0; attempt < Attempts && !clean; attempt++)
        {
            long start = Environment.TickCount64;
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < Predicts; i++)
            {
                model.Predict(input, output);
            }

            long after = GC.GetTotalAllocatedBytes(precise: true);
            predictBytes[attempt] = after - before;
            int elapsed = (int)Math.Max(1, Environment.TickCount64 - start);

            before = GC.GetTotalAllocatedBytes(precise: true);
            Thread.Sleep(elapsed);
            idleBytes[attempt] = GC.GetTotalAllocatedBytes(precise: true) - before;
            clean = predictBytes[attempt] == 0 || predictBytes[attempt] <= idleBytes[attempt];
        }

        Assert.True(clean,
            $"{Predicts} Predicts (Threads = {threads}, batch {batch}) allocated [{string.Join(", ", predictBytes)}] bytes process-wide; " +
            $"the same time idle: [{string.Join(", ", idleBytes)}] bytes.");
        Assert.All(output, p => Assert.InRange(p, 0f, 1f));
    }
}

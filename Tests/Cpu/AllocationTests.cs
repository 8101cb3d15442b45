using System;
using System.Reflection;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Cpu;

/// <summary>After warm-up, Predict(input, output) and Predict(input, output, batch) on the Cpu backend allocates nothing, on the caller's thread or a worker's.</summary>
public sealed class AllocationTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    public void PredictIntoOutput_AfterWarmUp_AllocatesNothing(int threads, int batch)
    {
        using var model = MiniXception71.Load(TestPaths.Fixture("mini_xception_w0125_top10.h5"),
            new InferenceOptions { Backend = Backend.Cpu, Threads = threads, MaxBatch = 2 });
        var backend = (CpuBackend)typeof(CompiledModel).GetField("Backend", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(model)!;
        var input = new float[batch * MiniXception71.InputLength];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (i % 255) / 127.5f - 1f;
        }

        var output = new float[batch * MiniXception71.OutputLength];
        for (int i = 0; i < 3; i++)
        {
            model.Predict(input, output);
            model.Predict(input, output, batch);
        }

        // Per thread rather than process-wide: the test host's own threads allocate now and then. A wait that
        // has to block (a loaded machine) can allocate inside the runtime's blocking primitives once in a while,
        // so up to 5 windows of 20 calls are tried: an allocation on the Predict path shows in every window.
        var windows = new System.Collections.Generic.List<string>();
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long caller = GC.GetAllocatedBytesForCurrentThread();
            long workers = backend.WorkerAllocatedBytes;
            for (int i = 0; i < 20; i++)
            {
                model.Predict(input, output);
                model.Predict(input, output, batch);
            }

            long callerBytes = GC.GetAllocatedBytesForCurrentThread() - caller;
            long workerBytes = backend.WorkerAllocatedBytes - workers;
            if (callerBytes == 0 && workerBytes == 0)
            {
                windows.Clear();
                break;
            }

            windows.Add($"caller {callerBytes} B, workers {workerBytes} B");
        }

        Assert.True(windows.Count == 0, "every window of 20 calls allocated: " + string.Join("; ", windows));
        Assert.All(output, p => Assert.InRange(p, 0f, 1f));
    }
}

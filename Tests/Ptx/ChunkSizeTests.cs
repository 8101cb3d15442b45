using System;
using System.Linq;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>The generated class runs a batch in chunks of the size its backend asks for (ExecutionBackend.ChunkSize).</summary>
public sealed class ChunkSizeTests
{
    [Theory]
    [InlineData(null, 4, 4)] // the default: the whole MaxBatch
    [InlineData(1, 4, 1)]
    [InlineData(3, 4, 3)]
    public void Predict_RunsTheStepsOncePerChunk_AndAllocatesOneChunk(int? chunk, int maxBatch, int expectedChunk)
    {
        var backend = new RecordingBackend { Chunk = chunk };
        using Tests.Xception model = RecordingBackend.CreateFullXception(backend, maxBatch);
        Assert.Equal(new[] { expectedChunk }, backend.Allocations);

        const int batch = 7;
        float[] output = model.Predict(new float[batch * Tests.Xception.InputLength]);
        Assert.Equal(batch * Tests.Xception.OutputLength, output.Length);
        int stepsPerChunk = RecordingBackend.StepsOfFullXception().Count;
        Assert.Equal((batch + expectedChunk - 1) / expectedChunk * stepsPerChunk, backend.Steps.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void ChunkOutsideOneToMaxBatch_IsRejectedAtLoad_NamingTheBackend(int chunk)
    {
        var backend = new RecordingBackend { Chunk = chunk };
        var e = Assert.Throws<InvalidOperationException>(() => RecordingBackend.CreateFullXception(backend, maxBatch: 4));
        Assert.Contains("'recording'", e.Message, StringComparison.Ordinal);
        Assert.Contains("chunks of " + chunk + " images", e.Message, StringComparison.Ordinal);
        Assert.Contains("MaxBatch (4)", e.Message, StringComparison.Ordinal);
        Assert.Empty(backend.Allocations);
    }

    [Fact]
    public void CpuBackend_RunsOneImageAtATime()
    {
        using var cpu = new CpuBackend(1);
        Assert.Equal(new[] { 1, 1, 1 }, new[] { 1, 2, 8 }.Select(cpu.ChunkSize));
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// Every backend rejects the same bad call with the same exception, parameter and message (the checks live
/// in <see cref="ExecutionBackend"/>), before anything runs; the profiling decorator rejects it the same way.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class BackendArgumentCheckTests
{
    // Slots: 0 and 1 hold 4×4×3 = 48 floats per image, 2 holds 10; chunk of 2 images.
    private static readonly long[] SlotsPerImage = { 48, 48, 10 };
    private const int Chunk = 2;

    private static readonly DenseShape Dense48To10 = new(48, 10, 0, 0);
    private static readonly SeparableConvShape Separable = new(4, 4, 3, 4, 4, 3, 3, 3, 1, 1, 1, 1, 0, 0, 0);
    private static readonly Conv2DShape Conv = new(4, 4, 3, 4, 4, 3, 3, 3, 1, 1, 1, 1, 0, 0, 0);

    /// <summary>
    /// A bad call, the exception it must raise, its parameter name, and texts the message must contain
    /// (what was expected and what was found). The call gets the backend and the handles of <see cref="Prepare"/>'s uploads.
    /// </summary>
    private sealed record BadCall(Action<ExecutionBackend, WeightHandle[]> Call, Type Exception, string Parameter, params string[] Mentions);

    private static readonly Dictionary<string, BadCall> Cases = new()
    {
        ["slot index past the last slot"] = new((b, _) => b.WriteInput(3, new float[1]),
            typeof(ArgumentOutOfRangeException), "slot", "There are 3 slots"),
        ["more input than the slot holds"] = new((b, _) => b.WriteInput(2, new float[21]),
            typeof(ArgumentException), "values", "Slot 2 holds 20 floats; got 21"),
        ["reading more than the slot holds"] = new((b, _) => b.ReadOutput(2, new float[21]),
            typeof(ArgumentException), "values", "Slot 2 holds 20 floats; 21 were asked for"),
        ["batch 0"] = new((b, w) => b.Dense(Dense48To10, 0, 0, 2, w[0], w[1]),
            typeof(ArgumentOutOfRangeException), "batch", "between 1 and 2"),
        ["batch above the chunk"] = new((b, w) => b.Dense(Dense48To10, 3, 0, 2, w[0], w[1]),
            typeof(ArgumentOutOfRangeException), "batch", "between 1 and 2"),
        ["source slot too small for the shape × batch"] = new((b, w) => b.Dense(new DenseShape(11, 10, 0, 0), 2, 2, 0, WeightHandle.None, w[1]),
            typeof(ArgumentException), "source", "Slot 2 holds 20 floats; the step needs 22"),
        ["destination slot too small for the shape × batch"] = new((b, w) => b.Conv2D(Conv, 1, 0, 2, -1, w[0], w[1]),
            typeof(ArgumentException), "destination", "Slot 2 holds 20 floats; the step needs 48"),
        ["source = destination"] = new((b, w) => b.SeparableConv(Separable, 1, 1, 1, -1, w[2], w[0], w[1]),
            typeof(ArgumentException), "destination", "reads and writes slot 1"),
        ["residual slot given but the shape has none"] = new((b, w) => b.SeparableConv(Separable, 1, 0, 1, 2, w[2], w[0], w[1]),
            typeof(ArgumentException), "residual", "HasResidual is 0", "residual slot is 2"),
        ["handle never uploaded"] = new((b, _) => b.Dense(Dense48To10, 1, 0, 2, new WeightHandle(7), WeightHandle.None),
            typeof(ArgumentException), "handle", "Weight handle 7 was not uploaded", "(4 tensors)"),
        ["None where a kernel is needed"] = new((b, w) => b.DepthwiseConv(new DepthwiseConvShape(4, 4, 3, 4, 4, 3, 3, 1, 1, 1, 1, 0, 0, 0), 1, 0, 1, -1, WeightHandle.None, w[1]),
            typeof(ArgumentException), "handle", "Weight handle -1 was not uploaded"),
        ["kernel of the wrong size"] = new((b, w) => b.Dense(new DenseShape(48, 9, 0, 0), 1, 0, 2, w[0], WeightHandle.None),
            typeof(ArgumentException), "handle", "Weight handle 0 holds 480 floats; a 48×9 kernel needs 432"),
        ["bias shorter than the output channels"] = new((b, w) => b.Conv2D(new Conv2DShape(4, 4, 3, 1, 1, 12, 4, 4, 1, 1, 0, 0, 0, 0, 0), 1, 0, 2, -1, w[3], w[1]),
            typeof(ArgumentException), "handle", "Weight handle 1 holds 10 floats; the step needs 12"),
        ["scale and shift missing though HasScaleShift is 1"] = new((b, _) => b.Elementwise(new ElementwiseShape(48, 3, 1, 0, 0, 0), 1, 0, 1, -1, WeightHandle.None, WeightHandle.None),
            typeof(ArgumentException), "handle", "Weight handle -1 was not uploaded"),
        ["elementwise length not a multiple of the channels"] = new((b, _) => b.Elementwise(new ElementwiseShape(47, 3, 0, 0, 0, 0), 1, 0, 1, -1, WeightHandle.None, WeightHandle.None),
            typeof(ArgumentException), "shape", "Length 47 is not a multiple of Channels 3"),
        ["a function the convolution's store does not apply"] = new((b, w) => b.Conv2D(Conv with { Activation = (int)ActivationFunction.Tanh }, 1, 0, 1, -1, w[0], w[1]),
            typeof(ArgumentException), "shape", "Activation 3 cannot run in a convolution's store", "6 (Swish)"),
        ["upload of a matrix with the wrong dimensions"] = new((b, _) => b.UploadMatrix(new float[10], 3, 4),
            typeof(ArgumentException), "values", "3×4 matrix (12 floats)", "found 10"),
    };

    private readonly BackendFixture backends;

    public BackendArgumentCheckTests(BackendFixture backends) => this.backends = backends;

    public static IEnumerable<object[]> CaseNames() => Cases.Keys.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void BadCall_IsRejectedWithTheSameMessage_ByCpuIlgpuCpuAndTheProfilingDecorator(string name)
    {
        BadCall bad = Cases[name];
        using var cpu = new CpuBackend(threads: 1);
        using var ilgpu = new IlgpuBackend(Backend.IlgpuCpu);
        using var profiled = new ProfilingBackend(new CpuBackend(threads: 1), new StepProfiler());

        Exception[] failures = new ExecutionBackend[] { cpu, ilgpu, profiled }.Select(b => Failure(b, bad)).ToArray();

        foreach (Exception e in failures)
        {
            Assert.IsType(bad.Exception, e);
            Assert.Equal(bad.Parameter, ((ArgumentException)e).ParamName);
            foreach (string mention in bad.Mentions)
            {
                Assert.Contains(mention, e.Message, StringComparison.Ordinal);
            }
        }

        Assert.Equal(failures[0].Message, failures[1].Message);
        Assert.Equal(failures[0].Message, failures[2].Message);
    }

    [Fact]
    public void GoodCalls_BetweenTheBadOnes_StillRun()
    {
        foreach (string backend in new[] { BackendFixture.Cpu, BackendFixture.IlgpuCpu })
        {
            ExecutionBackend b = backends.Get(backend);
            WeightHandle[] w = Prepare(b);
            Assert.ThrowsAny<ArgumentException>(() => b.Dense(Dense48To10, 3, 0, 2, w[0], w[1]));
            float[] input = Enumerable.Range(0, 48).Select(i => i / 48f).ToArray();
            b.WriteInput(0, input);

            b.Dense(Dense48To10, 1, 0, 2, w[0], w[1]);

            var output = new float[10];
            b.ReadOutput(2, output);
            double expected = input.Sum(v => (double)v) * 0.5 + 0.25; // kernel all 0.5, bias all 0.25
            Assert.All(output, v => Assert.Equal(expected, v, 4));
        }
    }

    [Theory]
    [InlineData(Backend.Cpu)]
    [InlineData(Backend.IlgpuCpu)]
    public void AfterDispose_EveryCallThrowsObjectDisposed(Backend kind)
    {
        ExecutionBackend b = ExecutionBackends.Create(new InferenceOptions { Backend = kind, Threads = 1 });
        WeightHandle[] w = Prepare(b);
        b.Dispose();

        Assert.Throws<ObjectDisposedException>(() => b.Dense(Dense48To10, 1, 0, 2, w[0], w[1]));
        Assert.Throws<ObjectDisposedException>(() => b.ReadOutput(2, new float[1]));
        Assert.Throws<ObjectDisposedException>(() => b.Upload(new float[1]));
        Assert.Throws<ObjectDisposedException>(() => b.AllocateBuffers(SlotsPerImage, 1));
    }

    [Fact]
    public void AllocateBuffers_NegativeSlot_IsRejectedNamingTheSlot_ByBothBackends()
    {
        string[] messages = new[] { BackendFixture.Cpu, BackendFixture.IlgpuCpu }
            .Select(name => Assert.Throws<ArgumentOutOfRangeException>(() => backends.Get(name).AllocateBuffers(new long[] { 4, -1 }, 1)).Message)
            .ToArray();

        Assert.Contains("Slot 1 needs -1 floats per image", messages[0], StringComparison.Ordinal);
        Assert.Equal(messages[0], messages[1]);
    }

    /// <summary>Fresh slots and three uploads on <paramref name="b"/>, then the bad call, which must throw.</summary>
    private static Exception Failure(ExecutionBackend b, BadCall bad)
    {
        WeightHandle[] w = Prepare(b);
        return Assert.ThrowsAny<Exception>(() => bad.Call(b, w));
    }

    /// <summary>
    /// Allocates <see cref="SlotsPerImage"/> for <see cref="Chunk"/> images and uploads a 48×10 kernel of 0.5,
    /// a bias of 0.25 (10), a 3×3×3 depthwise kernel and a 4×4×3×12 conv kernel; returns their handles.
    /// </summary>
    private static WeightHandle[] Prepare(ExecutionBackend b)
    {
        b.AllocateBuffers(SlotsPerImage, Chunk);
        return new[]
        {
            b.UploadMatrix(Enumerable.Repeat(0.5f, 480).ToArray(), 48, 10),
            b.Upload(Enumerable.Repeat(0.25f, 10).ToArray()),
            b.Upload(new float[27]),
            b.UploadMatrix(new float[48 * 12], 48, 12),
        };
    }
}

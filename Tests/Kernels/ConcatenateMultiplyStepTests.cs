using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Tests.Kernels.PaddedReference;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// Concatenate and Multiply on every backend, against float64 references: a Conv2D writing straight into its
/// channel slice of a wider tensor (the other channels must stay as they were), the copy of an input into its
/// slice, and a product with a factor of the same shape or (1, 1, C) broadcast over the pixels.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ConcatenateMultiplyStepTests
{
    /// <summary>What the slots of the concatenation hold before a step writes its slice; it must survive outside the slice.</summary>
    private const float Untouched = 7.25f;

    /// <summary>A KH×KW 'same' Conv2D (stride 1) of an H×W×In input into channels [Offset, Offset + Out) of pixels Stride floats apart.</summary>
    public sealed record SliceCase(int Height, int Width, int In, int Out, int Kernel, int Offset, int Stride, bool Relu, int Batch = 2);

    private static readonly Dictionary<string, SliceCase> SliceCases = new()
    {
        ["1x1 6 channels at 0 of 24 (the first Inception branch)"] = new(5, 6, 8, 6, 1, 0, 24, true),
        ["3x3 6 channels at 6 of 24, relu"] = new(6, 5, 4, 6, 3, 6, 24, true),
        ["1x1 37 channels at 3 of 45 (GEMM tails)"] = new(4, 7, 13, 37, 1, 3, 45, false),
        ["3x3 20 channels at 44 of 64, last slice"] = new(5, 5, 7, 20, 3, 44, 64, false, Batch: 1),
    };

    private readonly BackendFixture backends;

    public ConcatenateMultiplyStepTests(BackendFixture backends) => this.backends = backends;

    private static readonly string[] AllBackends = { BackendFixture.Cpu, BackendFixture.IlgpuCpu, BackendFixture.IlgpuCpuTiled };

    public static IEnumerable<object[]> SliceCaseNames() =>
        from backend in AllBackends
        from name in SliceCases.Keys
        select new object[] { backend, name };

    public static IEnumerable<object[]> Backends() => AllBackends.Select(b => new object[] { b });

    [Theory]
    [MemberData(nameof(SliceCaseNames))]
    public void Conv2D_IntoItsChannelSlice_MatchesFloat64Reference_AndLeavesTheOtherChannels(string backend, string caseName)
    {
        SliceCase c = SliceCases[caseName];
        int pad = c.Kernel / 2, pixels = c.Height * c.Width;
        float[] x = KernelTestData.RandomFloats(c.Batch * pixels * c.In, 81);
        float[] kernel = KernelTestData.RandomFloats(c.Kernel * c.Kernel * c.In * c.Out, 82);
        float[] bias = KernelTestData.RandomFloats(c.Out, 83);
        var shape = new Conv2DShape(c.Height, c.Width, c.In, c.Height, c.Width, c.Out, c.Kernel, c.Kernel, 1, 1, pad, pad,
            0, c.Relu ? 1 : 0, 0, OutChannelOffset: c.Offset, OutPixelStride: c.Stride);

        float[] joined = RunIntoFilledSlot(backend, c.Batch, x, pixels * c.Stride, null,
            (b, source, destination, _) => b.Conv2D(shape, c.Batch, source, destination, -1, b.Upload(kernel), b.Upload(bias)));

        Tensor conv = Convolve(ZeroPad(FromFloats(x, c.Batch, c.Height, c.Width, c.In), pad, pad, pad, pad),
            kernel.Select(v => (double)v).ToArray(), c.Kernel, c.Kernel, 1, c.Out, bias.Select(v => (double)v).ToArray());
        double[] expected = c.Relu ? conv.Data.Select(v => Math.Max(v, 0)).ToArray() : conv.Data;
        AssertSlice(expected, joined, c.Batch * pixels, c.Out, c.Offset, c.Stride, caseName);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void ChannelSlice_CopiesEachPixelIntoItsChannels_AndLeavesTheOtherChannels(string backend)
    {
        const int batch = 2, pixels = 35, channels = 9, stride = 25, offset = 16;
        float[] x = KernelTestData.RandomFloats(batch * pixels * channels, 84);

        float[] joined = RunIntoFilledSlot(backend, batch, x, pixels * stride, null,
            (b, source, destination, _) => b.ChannelSlice(new ChannelSliceShape(pixels, channels, stride, offset), batch, source, destination));

        AssertSlice(x.Select(v => (double)v).ToArray(), joined, batch * pixels, channels, offset, stride, "channel slice");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Multiply_PerChannelFactor_IsBroadcastOverThePixelsOfItsImage(string backend)
    {
        const int batch = 2, pixels = 30, channels = 19;
        float[] x = KernelTestData.RandomFloats(batch * pixels * channels, 85);
        float[] factor = KernelTestData.RandomFloats(batch * channels, 86, 0f, 1f);

        float[] actual = RunIntoFilledSlot(backend, batch, x, pixels * channels, factor,
            (b, source, destination, f) => b.Multiply(new MultiplyShape(pixels, channels, 1), batch, source, f, destination));

        double[] expected = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int image = i / (pixels * channels);
            expected[i] = (double)x[i] * factor[image * channels + i % channels];
        }

        KernelTestData.AssertClose(expected, actual, "multiply by channel");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Multiply_SameShapes_IsTheElementwiseProduct(string backend)
    {
        const int batch = 2, pixels = 21, channels = 13;
        float[] x = KernelTestData.RandomFloats(batch * pixels * channels, 87);
        float[] factor = KernelTestData.RandomFloats(batch * pixels * channels, 88);

        float[] actual = RunIntoFilledSlot(backend, batch, x, pixels * channels, factor,
            (b, source, destination, f) => b.Multiply(new MultiplyShape(pixels, channels, 0), batch, source, f, destination));

        KernelTestData.AssertClose(x.Zip(factor, (a, f) => (double)a * f).ToArray(), actual, "multiply");
    }

    [Fact]
    public void SliceArguments_OutsideThePixelOrWithAResidual_AreRejected()
    {
        ExecutionBackend cpu = backends.Get(BackendFixture.Cpu);
        cpu.AllocateBuffers(new long[] { 4 * 4 * 3, 4 * 4 * 10, 4 * 4 * 10 }, 1);
        WeightHandle kernel = cpu.UploadMatrix(new float[3 * 6], 3, 6);
        var outside = new Conv2DShape(4, 4, 3, 4, 4, 6, 1, 1, 1, 1, 0, 0, 0, 0, 0, OutChannelOffset: 5, OutPixelStride: 10);
        var withResidual = new Conv2DShape(4, 4, 3, 4, 4, 6, 1, 1, 1, 1, 0, 0, 0, 0, 1, OutChannelOffset: 4, OutPixelStride: 10);

        Assert.Contains("do not fit", Assert.Throws<ArgumentException>(() => cpu.Conv2D(outside, 1, 0, 1, -1, kernel, WeightHandle.None)).Message, StringComparison.Ordinal);
        Assert.Contains("residual", Assert.Throws<ArgumentException>(() => cpu.Conv2D(withResidual, 1, 0, 1, 2, kernel, WeightHandle.None)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => cpu.ChannelSlice(new ChannelSliceShape(16, 3, 10, 8), 1, 0, 1));
        Assert.Contains("factor", Assert.Throws<ArgumentException>(() => cpu.Multiply(new MultiplyShape(16, 10, 0), 1, 1, 0, 2)).Message, StringComparison.Ordinal);
    }

    /// <summary>Runs one step with slot 0 = input, 1 = output filled with <see cref="Untouched"/> first, 2 = factor (when given).</summary>
    private float[] RunIntoFilledSlot(string backendName, int batch, float[] input, int outputPerImage, float[]? factor,
        Action<ExecutionBackend, int, int, int> step)
    {
        ExecutionBackend backend = backends.Get(backendName);
        long factorPerImage = factor is null ? 1 : factor.Length / batch;
        backend.AllocateBuffers(new long[] { input.Length / batch, outputPerImage, factorPerImage }, batch);
        backend.WriteInput(0, input);
        backend.WriteInput(1, Enumerable.Repeat(Untouched, batch * outputPerImage).ToArray());
        if (factor is not null)
        {
            backend.WriteInput(2, factor);
        }

        step(backend, 0, 1, 2);
        var output = new float[batch * outputPerImage];
        backend.ReadOutput(1, output);
        return output;
    }

    private static void AssertSlice(double[] expected, float[] joined, int pixels, int channels, int offset, int stride, string what)
    {
        var slice = new float[pixels * channels];
        for (int p = 0; p < pixels; p++)
        {
            for (int c = 0; c < stride; c++)
            {
                float value = joined[p * stride + c];
                if (c >= offset && c < offset + channels)
                {
                    slice[p * channels + c - offset] = value;
                }
                else
                {
                    Assert.True(value == Untouched, $"{what}: pixel {p} channel {c} outside the slice is {value:R}, written over");
                }
            }
        }

        KernelTestData.AssertClose(expected, slice, what);
    }
}

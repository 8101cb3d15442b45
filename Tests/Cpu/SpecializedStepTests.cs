using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Tests.Kernels;

namespace Xception.Compiler.Tests.Cpu;

/// <summary>
/// The generic step methods generated code calls (<c>SeparableConv&lt;TStep&gt;</c>, <c>Conv2D&lt;TStep&gt;</c>):
/// the CPU backend compiles them once per step type with the shape as constants. Checked against the
/// float64 reference on shapes with channel tails, borders and a residual, and bit for bit against the
/// same step passed as a value (one kernel source, two specializations).
/// </summary>
public sealed class SpecializedStepTests
{
    /// <summary>9×11 pixels, 91 → 45 channels: padded borders, 3×3 runs, channel and panel tails.</summary>
    private readonly struct OddSeparable : ISeparableConvStep
    {
        public static SeparableConvShape Shape
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => new(InHeight: 9, InWidth: 11, InChannels: 91, OutHeight: 9, OutWidth: 11, OutChannels: 45, KernelHeight: 3, KernelWidth: 3,
                StrideHeight: 1, StrideWidth: 1, PadTop: 1, PadLeft: 1, ReluInput: 1, ReluOutput: 0, HasResidual: 1);
        }
    }

    /// <summary>A 1×1 stride-2 shortcut convolution (Xception's conv2d_1..4 pattern) at odd sizes.</summary>
    private readonly struct StridedPointwise : IConv2DStep
    {
        public static Conv2DShape Shape
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => new(InHeight: 13, InWidth: 9, InChannels: 33, OutHeight: 7, OutWidth: 5, OutChannels: 70, KernelHeight: 1, KernelWidth: 1,
                StrideHeight: 2, StrideWidth: 2, PadTop: 0, PadLeft: 0, ReluInput: 0, ReluOutput: 1, HasResidual: 0);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SeparableConv_StepType_MatchesFloat64AndTheValuePathBitForBit(int threads)
    {
        SeparableConvShape s = OddSeparable.Shape;
        const int Batch = 2;
        float[] x = KernelTestData.RandomFloats(Batch * s.InHeight * s.InWidth * s.InChannels, 11);
        float[] dw = KernelTestData.RandomFloats(9 * s.InChannels, 12);
        float[] pw = KernelTestData.RandomFloats(s.InChannels * s.OutChannels, 13);
        float[] bias = KernelTestData.RandomFloats(s.OutChannels, 14);
        int outPerImage = s.OutHeight * s.OutWidth * s.OutChannels;
        float[] residual = KernelTestData.RandomFloats(Batch * outPerImage, 15);

        float[] typed = Run(threads, Batch, x, outPerImage, residual, (b, src, dst, res) =>
            b.SeparableConv<OddSeparable>(Batch, src, dst, res, b.Upload(dw), b.UploadMatrix((float[])pw.Clone(), s.InChannels, s.OutChannels), b.Upload(bias)));
        float[] byValue = Run(threads, Batch, x, outPerImage, residual, (b, src, dst, res) =>
            b.SeparableConv(s, Batch, src, dst, res, b.Upload(dw), b.Upload(pw), b.Upload(bias)));

        KernelTestData.AssertClose(NaiveReference.SeparableConv(s, Batch, x, dw, pw, bias, residual), typed, $"typed/{threads}");
        Assert.Equal(byValue, typed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Conv2D_StepType_MatchesFloat64AndTheValuePathBitForBit(int threads)
    {
        Conv2DShape s = StridedPointwise.Shape;
        const int Batch = 3;
        float[] x = KernelTestData.RandomFloats(Batch * s.InHeight * s.InWidth * s.InChannels, 21);
        float[] kernel = KernelTestData.RandomFloats(s.InChannels * s.OutChannels, 22);
        float[] bias = KernelTestData.RandomFloats(s.OutChannels, 23);
        int outPerImage = s.OutHeight * s.OutWidth * s.OutChannels;

        float[] typed = Run(threads, Batch, x, outPerImage, null, (b, src, dst, res) =>
            b.Conv2D<StridedPointwise>(Batch, src, dst, res, b.UploadMatrix((float[])kernel.Clone(), s.InChannels, s.OutChannels), b.Upload(bias)));
        float[] byValue = Run(threads, Batch, x, outPerImage, null, (b, src, dst, res) =>
            b.Conv2D(s, Batch, src, dst, res, b.Upload(kernel), b.Upload(bias)));

        KernelTestData.AssertClose(NaiveReference.Conv2D(s, Batch, x, kernel, bias, null), typed, $"typed/{threads}");
        Assert.Equal(byValue, typed);
    }

    [Fact]
    public void UploadMatrix_WrongDimensions_ThrowsNamingBoth()
    {
        using var backend = new CpuBackend(1);

        var ex = Assert.Throws<ArgumentException>(() => backend.UploadMatrix(new float[10], 3, 4));

        Assert.Contains("3×4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("12", ex.Message, StringComparison.Ordinal);
        Assert.Contains("10", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StepType_WithSlotsTooSmall_ThrowsBeforeRunning()
    {
        using var backend = new CpuBackend(1);
        backend.AllocateBuffers(new long[] { 10, 10, 10 }, 1);
        WeightHandle pw = backend.UploadMatrix(new float[91 * 45], 91, 45);

        var ex = Assert.Throws<ArgumentException>(() =>
            backend.SeparableConv<OddSeparable>(1, 0, 1, 2, backend.Upload(new float[9 * 91]), pw, backend.Upload(new float[45])));

        Assert.Contains("the step needs", ex.Message, StringComparison.Ordinal);
    }

    private static float[] Run(int threads, int batch, float[] input, int outputPerImage, float[]? residual, Action<ExecutionBackend, int, int, int> step) =>
        CpuStepTests.RunStep(CpuIsas.Best, threads, batch, input, outputPerImage, residual, step);
}

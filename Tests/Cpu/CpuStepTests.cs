using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Tests.Kernels;

namespace Xception.Compiler.Tests.Cpu;

/// <summary>
/// Every CpuBackend step on every instruction set (forced) and on 1 and 2 threads, against the float64
/// reference, on shapes that hit the tails (91 and 13 channels, widths that are no multiple of the tile),
/// several pixel tiles per step and split output panels.
/// </summary>
public sealed class CpuStepTests
{
    public static IEnumerable<object[]> Paths() =>
        from isa in Enum.GetValues<CpuIsa>().Where(CpuIsas.IsSupported)
        from threads in new[] { 1, 2 }
        select new object[] { isa.ToString(), threads };

    public static IEnumerable<object[]> SeparableCases() =>
        from path in Paths()
        from c in new[]
        {
            // H, W, C, Out, kernel, stride, same, batch, reluIn, reluOut, residual
            (7, 9, 91, 13, 3, 1, true, 2, true, true, true),     // 3×3 runs + borders, channel tails
            (8, 7, 13, 91, 3, 2, true, 1, false, false, false),  // stride 2: borders on one side only
            (9, 8, 16, 40, 3, 2, false, 2, true, false, false),  // valid: every pixel interior
            (6, 7, 5, 11, 5, 1, true, 1, true, true, false),     // 5×5: the general tap path
            (40, 40, 33, 24, 3, 1, true, 1, false, true, false), // many pixel tiles
            (10, 10, 200, 330, 3, 1, true, 1, true, false, true), // few pixels, many panels: panels split over threads
        }
        select path.Concat(new object[] { c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item6, c.Item7, c.Item8, c.Item9, c.Item10, c.Item11 }).ToArray();

    [Theory]
    [MemberData(nameof(SeparableCases))]
    public void SeparableConv_MatchesFloat64Reference(string isaName, int threads,
        int h, int w, int channels, int outChannels, int kernel, int stride, bool same, int batch, bool reluIn, bool reluOut, bool residual)
    {
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        var (outH, padTop) = same ? KernelTestData.Same(h, kernel, stride) : KernelTestData.Valid(h, kernel, stride);
        var (outW, padLeft) = same ? KernelTestData.Same(w, kernel, stride) : KernelTestData.Valid(w, kernel, stride);
        var shape = new SeparableConvShape(h, w, channels, outH, outW, outChannels, kernel, kernel, stride, stride,
            padTop, padLeft, Flag(reluIn), Flag(reluOut), Flag(residual));
        float[] x = KernelTestData.RandomFloats(batch * h * w * channels, 1);
        float[] dw = KernelTestData.RandomFloats(kernel * kernel * channels, 2);
        float[] pw = KernelTestData.RandomFloats(channels * outChannels, 3);
        float[] bias = KernelTestData.RandomFloats(outChannels, 4);
        int outPerImage = outH * outW * outChannels;
        float[]? res = residual ? KernelTestData.RandomFloats(batch * outPerImage, 5) : null;

        float[] actual = RunStep(isa, threads, batch, x, outPerImage, res, (b, src, dst, r) =>
            b.SeparableConv(shape, batch, src, dst, r, b.Upload(dw), b.Upload(pw), b.Upload(bias)));

        KernelTestData.AssertClose(NaiveReference.SeparableConv(shape, batch, x, dw, pw, bias, res), actual, $"{isa}/{threads}");
    }

    public static IEnumerable<object[]> ConvCases() =>
        from path in Paths()
        from c in new[]
        {
            (299 / 8, 301 / 8, 3, 32, 3, 2, false, 2, false, true, false), // the stem, smaller
            (11, 13, 13, 91, 3, 1, true, 1, true, false, true),
            (9, 8, 91, 13, 1, 2, true, 2, false, false, false),            // the 1×1 stride-2 shortcut
            (7, 7, 6, 11, 5, 2, true, 1, true, true, false),
            (10, 9, 13, 40, 3, 1, false, 2, false, true, true),            // valid, no input ReLU: rows read in place
        }
        select path.Concat(new object[] { c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item6, c.Item7, c.Item8, c.Item9, c.Item10, c.Item11 }).ToArray();

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2D_MatchesFloat64Reference(string isaName, int threads,
        int h, int w, int channels, int outChannels, int kernel, int stride, bool same, int batch, bool reluIn, bool reluOut, bool residual)
    {
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        var (outH, padTop) = same ? KernelTestData.Same(h, kernel, stride) : KernelTestData.Valid(h, kernel, stride);
        var (outW, padLeft) = same ? KernelTestData.Same(w, kernel, stride) : KernelTestData.Valid(w, kernel, stride);
        var shape = new Conv2DShape(h, w, channels, outH, outW, outChannels, kernel, kernel, stride, stride,
            padTop, padLeft, Flag(reluIn), Flag(reluOut), Flag(residual));
        float[] x = KernelTestData.RandomFloats(batch * h * w * channels, 1);
        float[] k = KernelTestData.RandomFloats(kernel * kernel * channels * outChannels, 2);
        float[] bias = KernelTestData.RandomFloats(outChannels, 4);
        int outPerImage = outH * outW * outChannels;
        float[]? res = residual ? KernelTestData.RandomFloats(batch * outPerImage, 5) : null;

        float[] actual = RunStep(isa, threads, batch, x, outPerImage, res, (b, src, dst, r) =>
            b.Conv2D(shape, batch, src, dst, r, b.Upload(k), b.Upload(bias)));

        KernelTestData.AssertClose(NaiveReference.Conv2D(shape, batch, x, k, bias, res), actual, $"{isa}/{threads}");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void OtherSteps_MatchFloat64Reference(string isaName, int threads)
    {
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        const int Batch = 2, H = 9, W = 7, C = 91;
        float[] x = KernelTestData.RandomFloats(Batch * H * W * C, 1);
        float[] residual9 = KernelTestData.RandomFloats(Batch * 5 * 4 * C, 6);

        var depthwise = new DepthwiseConvShape(H, W, C, H, W, 3, 3, 1, 1, 1, 1, 1, 1, 0);
        float[] dk = KernelTestData.RandomFloats(9 * C, 2), db = KernelTestData.RandomFloats(C, 3);
        KernelTestData.AssertClose(NaiveReference.DepthwiseConv(depthwise, Batch, x, dk, db, null),
            RunStep(isa, threads, Batch, x, H * W * C, null, (b, s, d, r) => b.DepthwiseConv(depthwise, Batch, s, d, r, b.Upload(dk), b.Upload(db))),
            "depthwise");

        var pool = new MaxPoolShape(H, W, C, 5, 4, 3, 3, 2, 2, 1, 1, 1, 0, 1);
        KernelTestData.AssertClose(NaiveReference.MaxPool(pool, Batch, x, residual9),
            RunStep(isa, threads, Batch, x, 5 * 4 * C, residual9, (b, s, d, r) => b.MaxPool(pool, Batch, s, d, r)),
            "max pool");

        var elementwise = new ElementwiseShape(H * W * C, C, 1, 1, 1, 0);
        float[] scale = KernelTestData.RandomFloats(C, 4), shift = KernelTestData.RandomFloats(C, 5);
        KernelTestData.AssertClose(NaiveReference.Elementwise(elementwise, Batch, x, scale, shift, null),
            RunStep(isa, threads, Batch, x, H * W * C, null, (b, s, d, r) => b.Elementwise(elementwise, Batch, s, d, r, b.Upload(scale), b.Upload(shift))),
            "elementwise");

        foreach (int isMax in new[] { 0, 1 })
        {
            var global = new GlobalPoolShape(H, W, C, isMax, 1);
            KernelTestData.AssertClose(NaiveReference.GlobalPool(global, Batch, x),
                RunStep(isa, threads, Batch, x, C, null, (b, s, d, r) => b.GlobalPool(global, Batch, s, d)),
                $"global pool (max {isMax})");
        }

        const int In = H * W * C, Out = 13;
        var dense = new DenseShape(In, Out, 1, 1);
        float[] kernel = KernelTestData.RandomFloats(In * Out, 7), bias = KernelTestData.RandomFloats(Out, 8);
        KernelTestData.AssertClose(NaiveReference.Dense(dense, Batch, x, kernel, bias),
            RunStep(isa, threads, Batch, x, Out, null, (b, s, d, r) => b.Dense(dense, Batch, s, d, b.Upload(kernel), b.Upload(bias))),
            "dense");
    }

    [Fact]
    public void PackedHandle_ReusedAsRawWeights_StillMatches()
    {
        // Packing drops the raw copy; a later step that reads the same handle raw gets it back unpacked.
        using var backend = new CpuBackend(threads: 1);
        float[] x = KernelTestData.RandomFloats(4 * 13, 1);
        float[] k = KernelTestData.RandomFloats(13 * 13, 2);
        backend.AllocateBuffers(new long[] { 4 * 13, 4 * 13 }, 1);
        backend.WriteInput(0, x);
        WeightHandle handle = backend.Upload(k);
        var conv = new Conv2DShape(2, 2, 13, 2, 2, 13, 1, 1, 1, 1, 0, 0, 0, 0, 0);
        backend.Conv2D(conv, 1, 0, 1, -1, handle, WeightHandle.None);
        var scaleShift = new ElementwiseShape(13 * 13, 13, 1, 0, 0, 0);
        backend.AllocateBuffers(new long[] { 13 * 13, 13 * 13 }, 1);
        backend.WriteInput(0, k);
        backend.Elementwise(scaleShift, 1, 0, 1, -1, handle, handle);
        var output = new float[13 * 13];
        backend.ReadOutput(1, output);

        KernelTestData.AssertClose(NaiveReference.Elementwise(scaleShift, 1, k, k[..13], k[..13], null), output, "elementwise");
    }

    [Theory]
    [InlineData(361, 736, 23, 2)]
    [InlineData(100, 1536, 64, 2)]
    [InlineData(21609, 128, 4, 2)]
    [InlineData(2888, 736, 23, 2)]
    [InlineData(5, 16, 1, 2)]
    [InlineData(361, 736, 23, 1)]
    public void PlanTiles_CoversEveryPixelOnceInWholeMicroTiles(int pixels, int lda, int panels, int threads)
    {
        var (tile, tiles, groups) = ConvolutionTiling.Plan(pixels, lda, panels, threads);

        Assert.Equal(0, tile % Gemm.Rows);
        Assert.True((long)tile * tiles >= pixels && (long)tile * (tiles - 1) < pixels, $"{tiles} tiles of {tile}");
        Assert.InRange(groups, 1, Math.Max(1, Math.Min(threads, panels)));
        Assert.True(tiles * groups >= Math.Min(threads, (pixels + Gemm.Rows - 1) / Gemm.Rows), "every thread gets work");
    }

    [Fact]
    public void UnsupportedIsa_Throws()
    {
        if (CpuIsas.Best == CpuIsa.Vector512)
        {
            return; // nothing above the best path to ask for
        }

        Assert.Throws<PlatformNotSupportedException>(() => new CpuBackend(1, CpuIsa.Vector512));
    }

    /// <summary>Runs one step on a fresh backend: input in slot 0, output in slot 1, the residual (if any) in slot 2.</summary>
    internal static float[] RunStep(CpuIsa isa, int threads, int batch, float[] input, int outputPerImage, float[]? residual,
        Action<ExecutionBackend, int, int, int> step)
    {
        using var backend = new CpuBackend(threads, isa);
        int inputPerImage = input.Length / batch;
        backend.AllocateBuffers(new long[] { inputPerImage, outputPerImage, outputPerImage }, batch);
        backend.WriteInput(0, input);
        if (residual is not null)
        {
            backend.WriteInput(2, residual);
        }

        step(backend, 0, 1, residual is null ? -1 : 2);
        var output = new float[batch * outputPerImage];
        backend.ReadOutput(1, output);
        return output;
    }

    private static int Flag(bool value) => value ? 1 : 0;
}

using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Tests.Kernels;

namespace Xception.Compiler.Tests.Cpu;

/// <summary>
/// EfficientNet's small steps on every instruction set and on 1 and 2 threads, against the float64 reference:
/// the preprocessing's elementwise steps over fewer channels than a register (the periodic path), and depthwise
/// convolutions of the kernel sizes and strides EfficientNet uses, with channel counts that leave tails.
/// </summary>
public sealed class SmallStepTests
{
    public static IEnumerable<object[]> ElementwiseCases() =>
        from path in CpuStepTests.Paths()
        from c in new[]
        {
            // channels, height, width, batch, scale+shift, reluIn, reluOut, residual
            (3, 23, 29, 2, true, false, false, false),  // the preprocessing: 1334 pixels, several tasks, a tail
            (3, 5, 5, 1, true, true, true, true),      // fewer floats than one period: the scalar tail only
            (1, 17, 19, 1, true, false, true, false),
            (5, 16, 33, 2, false, true, false, true),  // no scale or shift
            (15, 9, 11, 1, true, false, false, true),
        }
        select path.Concat(new object[] { c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item6, c.Item7, c.Item8 }).ToArray();

    [Theory]
    [MemberData(nameof(ElementwiseCases))]
    public void Elementwise_FewChannels_MatchesFloat64Reference(string isaName, int threads,
        int channels, int h, int w, int batch, bool scaleShift, bool reluIn, bool reluOut, bool residual)
    {
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        int length = h * w * channels;
        var shape = new ElementwiseShape(length, channels, Flag(scaleShift), Flag(reluIn), Flag(reluOut), Flag(residual));
        float[] x = KernelTestData.RandomFloats(batch * length, 1);
        float[] scale = KernelTestData.RandomFloats(channels, 2), shift = KernelTestData.RandomFloats(channels, 3);
        float[]? res = residual ? KernelTestData.RandomFloats(batch * length, 4) : null;

        float[] actual = CpuStepTests.RunStep(isa, threads, batch, x, length, res,
            (b, s, d, r) => b.Elementwise(shape, batch, s, d, r, b.Upload(scale), b.Upload(shift)));

        KernelTestData.AssertClose(NaiveReference.Elementwise(shape, batch, x, scaleShift ? scale : null, scaleShift ? shift : null, res),
            actual, $"{isa}/{threads}");
    }

    public static IEnumerable<object[]> DepthwiseCases() =>
        from path in CpuStepTests.Paths()
        from c in new[]
        {
            // H, W, C, kernel, stride, batch, reluIn, residual, activation
            (14, 14, 40, 5, 1, 2, false, false, (int)ActivationFunction.Swish),  // EfficientNet's 5×5, stride 1
            (15, 13, 24, 5, 2, 1, false, false, (int)ActivationFunction.Sigmoid), // 5×5 stride 2, odd sizes
            (16, 16, 72, 3, 2, 2, true, false, 0),                                // 3×3 stride 2, even sizes
            (7, 9, 21, 3, 1, 1, false, true, (int)ActivationFunction.Swish),    // 3×3 stride 1, channel tails
            (3, 2, 19, 5, 1, 1, true, true, 0),                                   // narrower than the kernel
            (9, 6, 16, 1, 1, 1, false, false, 0),                                 // 1×1
        }
        select path.Concat(new object[] { c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item6, c.Item7, c.Item8, c.Item9 }).ToArray();

    [Theory]
    [MemberData(nameof(DepthwiseCases))]
    public void Depthwise_MatchesFloat64Reference(string isaName, int threads,
        int h, int w, int channels, int kernel, int stride, int batch, bool reluIn, bool residual, int activation)
    {
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        var (outH, padTop) = KernelTestData.Same(h, kernel, stride);
        var (outW, padLeft) = KernelTestData.Same(w, kernel, stride);
        var shape = new DepthwiseConvShape(h, w, channels, outH, outW, kernel, kernel, stride, stride, padTop, padLeft,
            Flag(reluIn), 0, Flag(residual), 0, activation);
        float[] x = KernelTestData.RandomFloats(batch * h * w * channels, 1);
        float[] k = KernelTestData.RandomFloats(kernel * kernel * channels, 2), bias = KernelTestData.RandomFloats(channels, 3);
        int outPerImage = outH * outW * channels;
        float[]? res = residual ? KernelTestData.RandomFloats(batch * outPerImage, 4) : null;

        float[] actual = CpuStepTests.RunStep(isa, threads, batch, x, outPerImage, res,
            (b, s, d, r) => b.DepthwiseConv(shape, batch, s, d, r, b.Upload(k), b.Upload(bias)));

        KernelTestData.AssertClose(NaiveReference.DepthwiseConv(shape, batch, x, k, bias, res), actual, $"{isa}/{threads}");
    }

    private static int Flag(bool value) => value ? 1 : 0;
}

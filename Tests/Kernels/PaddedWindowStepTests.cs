using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using static Xception.Compiler.Tests.Kernels.PaddedReference;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// The windows the Keras applications add, on every backend, against <see cref="PaddedReference"/> (which pads a
/// copy explicitly, as Keras does): a ZeroPadding2D folded into a max or average pool or a convolution as explicit
/// pads, a standalone ZeroPadding2D as a 1×1 max pool, average pooling 'valid' and 'same', asymmetric kernels
/// (1×7, 7×1, 1×3, 3×1), 5×5 depthwise and stride-2 depthwise and separable kernels.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class PaddedWindowStepTests
{
    /// <summary>A pool over ZeroPadding2D(top, bottom, left, right) of an H×W×C input (all pads 0: no ZeroPadding2D).</summary>
    public sealed record PoolCase(
        int Height, int Width, int Channels, int Pool, int Stride, bool Same, bool Average,
        int Top = 0, int Bottom = 0, int Left = 0, int Right = 0, int Batch = 2, bool AllNegative = false);

    private static readonly Dictionary<string, PoolCase> PoolCases = new()
    {
        // ResNet50: ZeroPadding2D(1) + MaxPooling2D(3, 2); all inputs negative, so the border outputs must be the zeros.
        ["max 3x3/2 valid after ZeroPadding2D(1), all negative: the zeros are selected"] = new(9, 8, 19, 3, 2, false, false, 1, 1, 1, 1, AllNegative: true),
        ["max 3x3/2 same after ZeroPadding2D((0, 1), (1, 0))"] = new(7, 6, 5, 3, 2, true, false, 0, 1, 1, 0, AllNegative: true),
        ["standalone ZeroPadding2D((1, 2), (3, 0)) as a 1x1 max pool"] = new(4, 5, 19, 1, 1, false, false, 1, 2, 3, 0),
        ["avg 2x2/2 valid"] = new(8, 6, 19, 2, 2, false, true),
        ["avg 3x3/1 same (InceptionV3): 'same' pads not counted"] = new(5, 6, 21, 3, 1, true, true),
        ["avg 3x3/2 same, odd input"] = new(7, 9, 5, 3, 2, true, true, Batch: 1),
        ["avg 3x3/1 valid after ZeroPadding2D(1): the zeros count"] = new(5, 4, 17, 3, 1, false, true, 1, 1, 1, 1),
        ["avg 3x3/2 same after ZeroPadding2D((1, 2), (0, 1))"] = new(6, 7, 6, 3, 2, true, true, 1, 2, 0, 1),
    };

    public enum ConvKind
    {
        Conv2D,
        Depthwise,
        Separable,
    }

    /// <summary>A convolution over ZeroPadding2D(top, bottom, left, right) of an H×W×C input, kernel KH×KW.</summary>
    public sealed record ConvCase(
        ConvKind Kind, int Height, int Width, int Channels, int OutChannels, int KernelHeight, int KernelWidth, int Stride, bool Same,
        int Top = 0, int Bottom = 0, int Left = 0, int Right = 0, int Batch = 2);

    private static readonly Dictionary<string, ConvCase> ConvCases = new()
    {
        ["conv 1x7 same s1 (InceptionV3)"] = new(ConvKind.Conv2D, 9, 10, 6, 11, 1, 7, 1, true),
        ["conv 7x1 same s1 (InceptionV3)"] = new(ConvKind.Conv2D, 10, 9, 11, 6, 7, 1, 1, true),
        ["conv 1x3 same s1, 37→20 (GEMM tails)"] = new(ConvKind.Conv2D, 6, 7, 37, 20, 1, 3, 1, true),
        ["conv 3x1 same s1"] = new(ConvKind.Conv2D, 7, 6, 8, 16, 3, 1, 1, true),
        ["conv 7x7/2 valid after ZeroPadding2D(3) (ResNet50 stem)"] = new(ConvKind.Conv2D, 12, 11, 3, 8, 7, 7, 2, false, 3, 3, 3, 3),
        ["conv 3x3/2 valid after ZeroPadding2D((0, 1), (0, 1)) (MobileNet stem)"] = new(ConvKind.Conv2D, 10, 9, 3, 8, 3, 3, 2, false, 0, 1, 0, 1),
        ["depthwise 5x5 same s1"] = new(ConvKind.Depthwise, 8, 7, 19, 0, 5, 5, 1, true),
        ["depthwise 5x5 same s2 (EfficientNet)"] = new(ConvKind.Depthwise, 9, 8, 21, 0, 5, 5, 2, true),
        ["depthwise 3x3 same s2"] = new(ConvKind.Depthwise, 8, 9, 16, 0, 3, 3, 2, true),
        ["depthwise 3x3/2 valid after ZeroPadding2D((0, 1), (0, 1)) (MobileNet)"] = new(ConvKind.Depthwise, 8, 8, 17, 0, 3, 3, 2, false, 0, 1, 0, 1),
        ["depthwise 1x7 same s1"] = new(ConvKind.Depthwise, 6, 9, 5, 0, 1, 7, 1, true),
        ["separable 3x3 same s2"] = new(ConvKind.Separable, 9, 8, 13, 20, 3, 3, 2, true),
        ["separable 5x5 same s2"] = new(ConvKind.Separable, 8, 9, 6, 11, 5, 5, 2, true),
        ["separable 7x1 same s1"] = new(ConvKind.Separable, 9, 6, 7, 9, 7, 1, 1, true),
        ["separable 3x3/2 valid after ZeroPadding2D(1)"] = new(ConvKind.Separable, 7, 8, 9, 12, 3, 3, 2, false, 1, 1, 1, 1),
    };

    private readonly BackendFixture backends;

    public PaddedWindowStepTests(BackendFixture backends) => this.backends = backends;

    public static IEnumerable<object[]> PoolCaseNames() =>
        from backend in new[] { BackendFixture.Cpu, BackendFixture.IlgpuCpu }
        from name in PoolCases.Keys
        select new object[] { backend, name };

    public static IEnumerable<object[]> ConvCaseNames() =>
        from backend in new[] { BackendFixture.Cpu, BackendFixture.IlgpuCpu, BackendFixture.IlgpuCpuTiled }
        from name in ConvCases.Keys
        select new object[] { backend, name };

    [Theory]
    [MemberData(nameof(PoolCaseNames))]
    public void Pool_WithZeroPaddingFoldedIn_MatchesExplicitlyPaddedFloat64Reference(string backend, string caseName)
    {
        PoolCase c = PoolCases[caseName];
        var (outH, beforeH, _) = Side(c.Height + c.Top + c.Bottom, c.Pool, c.Stride, c.Same);
        var (outW, beforeW, _) = Side(c.Width + c.Left + c.Right, c.Pool, c.Stride, c.Same);
        float[] x = KernelTestData.RandomFloats(c.Batch * c.Height * c.Width * c.Channels, 61, max: c.AllNegative ? -0.1f : 1f);
        int outPerImage = outH * outW * c.Channels;

        float[] actual = c.Average
            ? backends.Run(backend, c.Batch, x, outPerImage, null, (b, src, dst, _) => b.AveragePool(
                new AveragePoolShape(c.Height, c.Width, c.Channels, outH, outW, c.Pool, c.Pool, c.Stride, c.Stride,
                    c.Top + beforeH, c.Left + beforeW, c.Top, c.Bottom, c.Left, c.Right), c.Batch, src, dst))
            : backends.Run(backend, c.Batch, x, outPerImage, null, (b, src, dst, res) => b.MaxPool(
                new MaxPoolShape(c.Height, c.Width, c.Channels, outH, outW, c.Pool, c.Pool, c.Stride, c.Stride,
                    c.Top + beforeH, c.Left + beforeW, 0, 0, 0, c.Top, c.Bottom, c.Left, c.Right), c.Batch, src, dst, res));

        Tensor padded = ZeroPad(FromFloats(x, c.Batch, c.Height, c.Width, c.Channels), c.Top, c.Bottom, c.Left, c.Right);
        Tensor expected = Pool(padded, c.Pool, c.Stride, c.Same, c.Average);
        KernelTestData.AssertClose(expected.Data, actual, caseName);
        if (c.AllNegative && c.Top + c.Bottom + c.Left + c.Right > 0)
        {
            Assert.Contains(0f, actual);
        }
    }

    [Theory]
    [MemberData(nameof(ConvCaseNames))]
    public void Convolution_WithAsymmetricKernelsStridesAndFoldedPadding_MatchesExplicitlyPaddedFloat64Reference(string backend, string caseName)
    {
        ConvCase c = ConvCases[caseName];
        var (outH, beforeH, afterH) = Side(c.Height + c.Top + c.Bottom, c.KernelHeight, c.Stride, c.Same);
        var (outW, beforeW, afterW) = Side(c.Width + c.Left + c.Right, c.KernelWidth, c.Stride, c.Same);
        int padTop = c.Top + beforeH, padLeft = c.Left + beforeW;
        int taps = c.KernelHeight * c.KernelWidth;
        float[] x = KernelTestData.RandomFloats(c.Batch * c.Height * c.Width * c.Channels, 71);
        float[] bias = KernelTestData.RandomFloats(c.Kind == ConvKind.Depthwise ? c.Channels : c.OutChannels, 72);
        Tensor padded = ZeroPad(FromFloats(x, c.Batch, c.Height, c.Width, c.Channels), padTop, c.Bottom + afterH, padLeft, c.Right + afterW);
        double[] bias64 = bias.Select(v => (double)v).ToArray();
        float[] actual;
        Tensor expected;
        switch (c.Kind)
        {
            case ConvKind.Conv2D:
            {
                float[] kernel = KernelTestData.RandomFloats(taps * c.Channels * c.OutChannels, 73);
                var shape = new Conv2DShape(c.Height, c.Width, c.Channels, outH, outW, c.OutChannels, c.KernelHeight, c.KernelWidth,
                    c.Stride, c.Stride, padTop, padLeft, 0, 0, 0);
                actual = backends.Run(backend, c.Batch, x, outH * outW * c.OutChannels, null, (b, src, dst, res) =>
                    b.Conv2D(shape, c.Batch, src, dst, res, b.Upload(kernel), b.Upload(bias)));
                expected = Convolve(padded, Doubles(kernel), c.KernelHeight, c.KernelWidth, c.Stride, c.OutChannels, bias64);
                break;
            }

            case ConvKind.Depthwise:
            {
                float[] kernel = KernelTestData.RandomFloats(taps * c.Channels, 74);
                var shape = new DepthwiseConvShape(c.Height, c.Width, c.Channels, outH, outW, c.KernelHeight, c.KernelWidth,
                    c.Stride, c.Stride, padTop, padLeft, 0, 0, 0);
                actual = backends.Run(backend, c.Batch, x, outH * outW * c.Channels, null, (b, src, dst, res) =>
                    b.DepthwiseConv(shape, c.Batch, src, dst, res, b.Upload(kernel), b.Upload(bias)));
                expected = Convolve(padded, Doubles(kernel), c.KernelHeight, c.KernelWidth, c.Stride, 0, bias64);
                break;
            }

            default:
            {
                float[] depthwise = KernelTestData.RandomFloats(taps * c.Channels, 75);
                float[] pointwise = KernelTestData.RandomFloats(c.Channels * c.OutChannels, 76);
                var shape = new SeparableConvShape(c.Height, c.Width, c.Channels, outH, outW, c.OutChannels, c.KernelHeight, c.KernelWidth,
                    c.Stride, c.Stride, padTop, padLeft, 0, 0, 0);
                actual = backends.Run(backend, c.Batch, x, outH * outW * c.OutChannels, null, (b, src, dst, res) =>
                    b.SeparableConv(shape, c.Batch, src, dst, res, b.Upload(depthwise), b.Upload(pointwise), b.Upload(bias)));
                Tensor spatial = Convolve(padded, Doubles(depthwise), c.KernelHeight, c.KernelWidth, c.Stride, 0, null);
                expected = Pointwise(spatial, Doubles(pointwise), c.OutChannels, bias64);
                break;
            }
        }

        Assert.Equal((c.Batch, outH, outW), (expected.Batch, expected.Height, expected.Width));
        KernelTestData.AssertClose(expected.Data, actual, caseName);
    }

    private static double[] Doubles(float[] values) => values.Select(v => (double)v).ToArray();
}

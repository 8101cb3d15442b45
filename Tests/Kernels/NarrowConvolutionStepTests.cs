using System.Collections.Generic;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Tests.Kernels;

/// <summary>
/// Padded convolutions the Cpu backend reads from a padded strip of each tile's input rows instead of gathering A: one
/// output panel (at most 32 channels) over whole 16-channel input vectors (DenseNet's 3×3 convolutions, 128 → 32), and
/// 7×7 stems of 3 channels (DenseNet121, ResNet50). Tiles that start and end mid-row, both image edges, strides, the
/// input ReLU, and batches whose tiles span two images (those gather as before), against the float64 reference.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class NarrowConvolutionStepTests
{
    public sealed record NarrowCase(int Height, int Width, int Channels, int OutChannels, int Kernel, int Stride, bool Same, int Batch,
        bool ReluIn = false, bool ReluOut = false, bool Residual = false);

    private static readonly Dictionary<string, NarrowCase> Cases = new()
    {
        ["3x3 s1 same, 16→32, 10×9"] = new(10, 9, 16, 32, 3, 1, true, 1),
        ["3x3 s1 same, 32→20, 12×11, batch 2"] = new(12, 11, 32, 20, 3, 1, true, 2),
        ["3x3 s2 same, 16→32, 11×12, relu-in + residual + relu-out"] = new(11, 12, 16, 32, 3, 2, true, 1, ReluIn: true, ReluOut: true, Residual: true),
        ["5x5 s1 same, 16→7, 9×8, relu-in"] = new(9, 8, 16, 7, 5, 1, true, 1, ReluIn: true),
        ["3x3 s1 valid, 48→32, 8×9, relu-out"] = new(8, 9, 48, 32, 3, 1, false, 1, ReluOut: true),
        // DenseNet121's block-2 shape: 784 pixels in tiles of about 131 that start and end mid-row.
        ["3x3 s1 same, 128→32, 28×28 (DenseNet121 block 2)"] = new(28, 28, 128, 32, 3, 1, true, 1),
        ["3x3 s1 same, 128→32, 7×7, batch 3 (DenseNet121 block 4)"] = new(7, 7, 128, 32, 3, 1, true, 3, ReluOut: true),
        // The 7×7 stride-2 stems (DenseNet121, ResNet50): 3 input channels, two output panels; odd sizes pad unevenly.
        ["7x7 s2 same, 3→64, 29×27 (stem)"] = new(29, 27, 3, 64, 7, 2, true, 1, ReluOut: true),
        ["7x7 s2 same, 3→40, 23×24, batch 2 (stem, partial second panel)"] = new(23, 24, 3, 40, 7, 2, true, 2),
    };

    private readonly BackendFixture backends;

    public NarrowConvolutionStepTests(BackendFixture backends) => this.backends = backends;

    public static IEnumerable<object[]> CaseNames()
    {
        foreach (string name in Cases.Keys)
        {
            yield return new object[] { name };
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void NarrowConv2D_OnCpu_MatchesFloat64Reference(string caseName)
    {
        NarrowCase c = Cases[caseName];
        var (outH, padTop) = c.Same ? KernelTestData.Same(c.Height, c.Kernel, c.Stride) : KernelTestData.Valid(c.Height, c.Kernel, c.Stride);
        var (outW, padLeft) = c.Same ? KernelTestData.Same(c.Width, c.Kernel, c.Stride) : KernelTestData.Valid(c.Width, c.Kernel, c.Stride);
        var shape = new Conv2DShape(c.Height, c.Width, c.Channels, outH, outW, c.OutChannels,
            c.Kernel, c.Kernel, c.Stride, c.Stride, padTop, padLeft, c.ReluIn ? 1 : 0, c.ReluOut ? 1 : 0, c.Residual ? 1 : 0);
        float[] x = KernelTestData.RandomFloats(c.Batch * c.Height * c.Width * c.Channels, 31);
        float[] kernel = KernelTestData.RandomFloats(c.Kernel * c.Kernel * c.Channels * c.OutChannels, 32);
        float[] bias = KernelTestData.RandomFloats(c.OutChannels, 33);
        int outPerImage = outH * outW * c.OutChannels;
        float[]? residual = c.Residual ? KernelTestData.RandomFloats(c.Batch * outPerImage, 34) : null;

        float[] actual = backends.Run(BackendFixture.Cpu, c.Batch, x, outPerImage, residual, (b, src, dst, res) =>
            b.Conv2D(shape, c.Batch, src, dst, res, b.Upload(kernel), b.Upload(bias)));

        KernelTestData.AssertClose(NaiveReference.Conv2D(shape, c.Batch, x, kernel, bias, residual), actual, caseName);
    }
}

using System;
using System.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// A padded convolution's A rows read in place from a padded copy of the input rows its tile needs: DenseNet's 3×3
/// convolutions (128 → 32 channels, one output panel) and the 7×7 stride-2 stems (3 → 64, two panels). Gathering A copies
/// each input float once per tap (9 or 49 times) for one or two passes of the GEMM; the strip copies it about once (a
/// stride-2 stem's rows twice or less), with the zero border written beside it, and a pixel's taps are then kh runs of
/// kw·C floats one strip row apart, which the GEMM reads through a row table. The 8 pixels of a micro-tile overlap in
/// the strip, so their taps share cache lines as well.
/// </summary>
internal static unsafe class PaddedStrip
{
    /// <summary>Floats from one strip row to the next: every column the output pixels' windows touch, padding included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RowFloats(in ConvolutionGeometry g) => ((g.OutWidth - 1) * g.StrideWidth + g.KernelWidth) * g.InChannels;

    /// <summary>Floats of the strip for the windows of output rows [<paramref name="firstRow"/>, <paramref name="lastRow"/>].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Floats(in ConvolutionGeometry g, int firstRow, int lastRow) =>
        (long)((lastRow - firstRow) * g.StrideHeight + g.KernelHeight) * RowFloats(g);

    /// <summary>
    /// Copies the input rows under output rows [<paramref name="firstRow"/>, <paramref name="lastRow"/>] of one image into
    /// <paramref name="strip"/> (zeros where the windows hang over the image's edge, ReLU applied if <paramref name="relu"/>),
    /// then points <paramref name="rowTable"/>[i] at the window of output pixel <paramref name="firstPixel"/> + i of that image.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ARows Build(
        CpuIsa isa, in ConvolutionGeometry g, float* image, int firstPixel, int count, int firstRow, int lastRow, float* strip, float** rowTable, bool relu)
    {
        int c = g.InChannels, inW = g.InWidth, sh = g.StrideHeight, sw = g.StrideWidth;
        int rowFloats = RowFloats(g);
        int stripColumns = rowFloats / c;

        // Strip column j holds input column j - PadLeft.
        int copied = Math.Max(0, Math.Min(inW, stripColumns - g.PadLeft));
        int left = Math.Min(g.PadLeft, stripColumns), right = stripColumns - left - copied;
        int rows = (lastRow - firstRow) * sh + g.KernelHeight;
        int iy0 = firstRow * sh - g.PadTop;
        for (int r = 0; r < rows; r++)
        {
            int iy = iy0 + r;
            float* dst = strip + (long)r * rowFloats;
            if ((uint)iy >= (uint)g.InHeight)
            {
                new Span<float>(dst, rowFloats).Clear();
                continue;
            }

            new Span<float>(dst, left * c).Clear();
            ChannelMath.Copy(isa, dst + left * c, image + (long)iy * inW * c, copied * c, relu);
            new Span<float>(dst + (left + copied) * c, right * c).Clear();
        }

        int outW = g.OutWidth;
        for (int i = 0; i < count; i++)
        {
            int p = firstPixel + i;
            int oy = p / outW, ox = p % outW;
            rowTable[i] = strip + (long)(oy - firstRow) * sh * rowFloats + (long)ox * sw * c;
        }

        return new ARows(rowTable, g.KernelHeight, g.KernelWidth * c, rowFloats);
    }
}

using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

/// <summary>
/// Conv2D and SeparableConv: for a tile of output pixels, build A (gathered taps, or the depthwise
/// outputs) in scratch, or point at its rows in the input, then GEMM it with the packed kernel. Small layers also split the output panels
/// into groups so both cores get work (the depthwise tile is then recomputed per group: it is cheap).
/// Generic over where the step's geometry comes from: for a generated step type every dimension and flag
/// below is a JIT constant (one compiled copy per step shape); for <see cref="RuntimeGeometry"/> they are fields.
/// </summary>
internal sealed unsafe class ConvolutionJob<TGeometry> : IParallelJob
    where TGeometry : struct, IGeometrySource
{
    private readonly CpuBackend owner;
    private float[]? input, output, residual, depthwise, bias;
    private PackedPanels? kernel;
    private int pixels, tiles, groups;

    public ConvolutionJob(CpuBackend owner) => this.owner = owner;

    /// <summary>The step's shape (set per call for <see cref="RuntimeGeometry"/>; unused for generated step types).</summary>
    private ConvolutionGeometry Geometry;

    /// <summary>
    /// The sizes the per-call code needs, computed once when the geometry is set: the code around the
    /// kernel then reads fields instead of inlining the geometry's members (the JIT's inline budget runs
    /// out in the callers, and members left as calls would be re-JITted by tiering during the first Predicts).
    /// </summary>
    public int K, Lda, OutChannels, PixelsPerImage, Taps;

    public long InputPerImage, OutputPerImage, DepthwiseFloats;

    public bool HasResidual;

    // A 1×1 step's channel prologue for the next Run (set by the backend, cleared after it): its A rows are then
    // built in scratch from the input, never read in place.
    private float[]? prologueFactor, prologueScale, prologueShift;
    private bool prologueRelu, hasPrologue;
    private int prologuePixelFloats;

    public void SetPrologue(float[]? factor, float[]? scale, float[]? shift, bool relu, int inPixelStride)
    {
        (prologueFactor, prologueScale, prologueShift, prologueRelu, hasPrologue) = (factor, scale, shift, relu, true);
        prologuePixelFloats = inPixelStride;
    }

    public void ClearPrologue() =>
        (prologueFactor, prologueScale, prologueShift, prologueRelu, hasPrologue) = (null, null, null, false, false);

    public void SetGeometry(in ConvolutionGeometry g)
    {
        Geometry = g;
        Taps = g.KernelHeight * g.KernelWidth;

        // The GEMM's inner dimension: the depthwise outputs (separable) or the taps (conv) of a pixel;
        // rows of A are K rounded up for aligned loads.
        K = g.Separable ? g.InChannels : Taps * g.InChannels;
        Lda = ChannelMath.RoundUp(K, 16);
        OutChannels = g.OutChannels;
        PixelsPerImage = g.OutHeight * g.OutWidth;
        InputPerImage = (long)g.InHeight * g.InWidth * g.InChannels;
        OutputPerImage = (long)PixelsPerImage * g.OutPixelFloats;
        DepthwiseFloats = g.Separable ? (long)(Taps + (g.DepthwiseBias ? 1 : 0)) * g.InChannels : 0;
        HasResidual = g.HasResidual;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int batch, float[] input, float[] output, float[]? residual, float[]? depthwise, PackedPanels kernel, float[]? bias)
    {
        (this.input, this.output, this.residual, this.depthwise, this.kernel, this.bias) = (input, output, residual, depthwise, kernel, bias);
        pixels = batch * PixelsPerImage;
        int tile;
        (tile, tiles, groups) = ConvolutionTiling.Plan(pixels, Lda, kernel.Panels, owner.Threads);
        owner.ReserveScratch(ScratchFloats(tile));
        owner.Pool.Run(this, tiles * groups);
        this.input = this.output = this.residual = this.depthwise = this.bias = null;
        this.kernel = null;
    }

    /// <summary>
    /// A tile's A rows (whole micro-tiles), one raw micro-tile, the tap offsets, a row pointer per pixel, and the
    /// padded input bands a dense convolution reads its taps from (<see cref="BandFloats"/>; 16 floats to align them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long ScratchFloats(int pixelsInTile) =>
        (long)ChannelMath.RoundUp(pixelsInTile, Gemm.Rows) * (Lda + sizeof(nint) / sizeof(float)) + Gemm.TileFloats + 2 * Taps
        + 16 + BandFloats(pixelsInTile);

    /// <summary>
    /// An upper bound on the floats of the bands of a tile of this many consecutive output pixels: they touch at most
    /// pixels / (OutH·OutW) + 2 images, and a piece of p pixels within one image spans at most p / OutW + 1 output
    /// rows after its first, so at most (p / OutW + 1)·StrideH + KH input rows, each (OutW − 1)·StrideW + KW pixels wide.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long BandFloats(int pixelsInTile)
    {
        ConvolutionGeometry g = TGeometry.IsConstant ? TGeometry.Geometry : Geometry;
        if (g.Separable)
        {
            return 0;
        }

        long pieces = pixelsInTile / PixelsPerImage + 2;
        long rows = (pixelsInTile / g.OutWidth + pieces) * g.StrideHeight + pieces * g.KernelHeight;
        return rows * ((g.OutWidth - 1) * g.StrideWidth + g.KernelWidth) * g.InChannels;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        ConvolutionGeometry g = TGeometry.IsConstant ? TGeometry.Geometry : Geometry;
        int inH = g.InHeight, inW = g.InWidth, inC = g.InChannels, outH = g.OutHeight, outW = g.OutWidth, outC = g.OutChannels;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth, padTop = g.PadTop, padLeft = g.PadLeft;
        bool separable = g.Separable, reluIn = g.ReluInput, reluOut = g.ReluOutput;
        int lda = ChannelMath.RoundUp(separable ? inC : kh * kw * inC, 16);   // = Lda, but a constant here
        int tileIndex = task / groups, group = task % groups;

        // Tiles split the micro-tiles evenly (sizes differ by at most one micro-tile, none larger than
        // the planned tile), so the threads finish together instead of one waiting on a full tile.
        int microTiles = (pixels + Gemm.Rows - 1) / Gemm.Rows;
        int q0 = (int)((long)tileIndex * microTiles / tiles) * Gemm.Rows;
        int count = Math.Min((int)((long)(tileIndex + 1) * microTiles / tiles) * Gemm.Rows, pixels) - q0;
        int panels = kernel!.Panels;
        int panelStart = group * panels / groups, panelEnd = (group + 1) * panels / groups;
        int taps = kh * kw;
        CpuIsa isa = owner.Isa;

        float* a = owner.Scratch(worker, ScratchFloats(count));
        float* microTile = a + (long)ChannelMath.RoundUp(count, Gemm.Rows) * lda;
        int* tapX = (int*)(microTile + Gemm.TileFloats), tapW = tapX + taps;
        float** rowTable = (float**)(tapW + taps);
        float* x = Pointer(input), w = Pointer(depthwise);
        int imagePixels = outH * outW;
        long inImage = (long)inH * inW * inC;

        // A convolution with no padding and no input ReLU reads its A rows in place: a pixel's taps are kh
        // runs of kw·inC contiguous input floats, one input row apart, so nothing is gathered (conv1, conv2 and
        // the 1×1 shortcuts of Xception; the in-process A/B is in Benchmarks/RESULTS.md).
        bool prologue = hasPrologue;
        bool inPlace = !separable && !reluIn && !prologue && padTop == 0 && padLeft == 0
            && (outH - 1) * sh + kh <= inH && (outW - 1) * sw + kw <= inW;
        ARows aRows = inPlace ? new ARows(rowTable, kh, kw * inC, (nint)inW * inC) : new ARows(a, lda, K);
        for (int row = 0; inPlace && row < count; row++)
        {
            int q = q0 + row;
            int n = q / imagePixels, rem = q % imagePixels;
            rowTable[row] = x + n * inImage + ((long)(rem / outW) * sh * inW + (long)(rem % outW) * sw) * inC;
        }

        // Any other dense convolution (padded, or with an input ReLU) reads its taps in place too, from a band of the
        // input copied into scratch with its zero frame and the ReLU applied: each input value is copied about
        // (rows + kh − 1) / rows times per tile instead of kh·kw times as gathered rows were.
        bool banded = !inPlace && !separable && !prologue;
        if (banded)
        {
            int bandWidth = (outW - 1) * sw + kw;
            float* band = (float*)(((nint)(rowTable + ChannelMath.RoundUp(count, Gemm.Rows)) + 63) & ~(nint)63);
            aRows = new ARows(rowTable, kh, kw * inC, (nint)bandWidth * inC);
            for (int q = q0, end = q0 + count; q < end;)
            {
                int n = q / imagePixels, pieceEnd = Math.Min(end, (n + 1) * imagePixels);
                int firstRow = q % imagePixels / outW, lastRow = (pieceEnd - 1) % imagePixels / outW;
                var shape = new BandShape(firstRow * sh - padTop, (lastRow - firstRow) * sh + kh, padLeft, bandWidth, inH, inW, inC);
                CopyBand(isa, x + n * inImage, band, shape, reluIn);
                for (; q < pieceEnd; q++)
                {
                    int rem = q % imagePixels;
                    rowTable[q - q0] = band + ((long)(rem / outW - firstRow) * sh * bandWidth + (long)(rem % outW) * sw) * inC;
                }

                band += (long)shape.Rows * bandWidth * inC;
            }
        }

        if (separable)
        {
            DepthwiseARows.Build<TGeometry>(isa, g, x, w, q0, count, a, lda, tapX, tapW);
        }

        for (int row = 0; prologue && row < count; row++)
        {
            // 1×1, stride 1, unpadded (the backend checks): output pixel q reads input pixel q.
            int q = q0 + row;
            long pixelFloats = prologuePixelFloats == 0 ? inC : prologuePixelFloats;
            ChannelPrologueMath.Prefetch(x + (q + ChannelPrologueMath.PrefetchPixels) * pixelFloats, inC);
            ChannelPrologueMath.Apply(isa, a + (long)row * lda, x + q * pixelFloats,
                prologueFactor is null ? null : Pointer(prologueFactor) + (long)(q / imagePixels) * inC,
                Pointer(prologueScale), Pointer(prologueShift), inC, prologueRelu);
        }

        // Each worker starts at a different panel: on a step's first tiles the weights come from DRAM, and
        // threads fetching different panels at once overlap those misses.
        Gemm.Multiply(isa, aRows, count, kernel, panelStart, panelEnd,
            Pointer(output) + (long)q0 * g.OutPixelFloats + g.OutChannelOffset, g.OutPixelFloats, Pointer(bias),
            g.HasResidual ? Pointer(residual) + (long)q0 * outC : null, reluOut, microTile,
            rotate: worker * (panelEnd - panelStart) / owner.Threads, reluMax: g.ReluMax);

        // A sigmoid or swish in the store: over the tile's rows and this group's columns just written, while they
        // are still in cache, instead of a pass of its own over the whole tensor.
        if (g.Activation != 0)
        {
            int firstColumn = panelStart * PackedPanels.Width;
            int columns = Math.Min(panelEnd * PackedPanels.Width, outC) - firstColumn;
            float* c = Pointer(output) + (long)q0 * g.OutPixelFloats + g.OutChannelOffset + firstColumn;
            StoreActivation.Apply(isa, g.Activation, c, count, columns, g.OutPixelFloats);
        }
    }

    /// <summary>
    /// Input rows [FirstRow, FirstRow + Rows) of one image, columns [−PadLeft, Width − PadLeft), into a dense band:
    /// cells outside the input are zeros, the rest copied (through a ReLU when <paramref name="relu"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyBand(CpuIsa isa, float* image, float* band, in BandShape b, bool relu)
    {
        int c = b.Channels;
        int firstColumn = Math.Min(b.PadLeft, b.Width), endColumn = Math.Min(b.Width, b.InWidth + b.PadLeft);
        for (int r = 0; r < b.Rows; r++)
        {
            int iy = b.FirstRow + r;
            float* dst = band + (long)r * b.Width * c;
            if ((uint)iy >= (uint)b.InHeight || endColumn <= firstColumn)
            {
                new Span<float>(dst, b.Width * c).Clear();
                continue;
            }

            new Span<float>(dst, firstColumn * c).Clear();
            ChannelMath.Copy(isa, dst + firstColumn * c, image + ((long)iy * b.InWidth + firstColumn - b.PadLeft) * c, (endColumn - firstColumn) * c, relu);
            new Span<float>(dst + endColumn * c, (b.Width - endColumn) * c).Clear();
        }
    }
}

/// <summary>A band of input rows as <c>CopyBand</c> lays it out: its first input row (may be negative), rows, the left pad, width in pixels, and the input's size.</summary>
internal readonly record struct BandShape(int FirstRow, int Rows, int PadLeft, int Width, int InHeight, int InWidth, int Channels);

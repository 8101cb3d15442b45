using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Cpu.Int8;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

/// <summary>
/// A separable step with its pointwise GEMM in int8: for a tile of output pixels, the depthwise outputs in fp32
/// into the worker's scratch (as <see cref="ConvolutionJob{TGeometry}"/> builds its A rows), quantized to u8 rows while
/// they are in cache, then <see cref="Int8Gemm"/> with the per-channel quantized weights; bias (folded BN) and ReLU in
/// its float epilogue, the residual added after it. In recording mode (calibration) the same depthwise rows give their
/// range and the fp32 <see cref="Gemm"/> runs instead, so the recorded model computes what fp32 computes.
/// Tiles are spread over the workers as the fp32 job's; the geometry is set per call (not a JIT constant yet).
/// </summary>
internal sealed unsafe class Int8SeparableJob : IParallelJob
{
    /// <summary>
    /// The most pixels a tile takes: 64 rows of the widest A (2048 channels) are 512 KB of floats plus 128 KB of u8,
    /// within a worker's L2 share; smaller layers are split further so every thread gets tiles.
    /// </summary>
    private const int TilePixels = 64;

    private readonly CpuBackend owner;
    private readonly float[] minima, maxima;
    private ConvolutionGeometry g;
    private float[]? input, output, residual, depthwise, bias;
    private QuantizedPanels? quantized;
    private PackedPanels? packed;
    private int pixels, tiles, lda, paddedK, taps;

    public Int8SeparableJob(CpuBackend owner)
    {
        this.owner = owner;
        minima = new float[owner.Threads];
        maxima = new float[owner.Threads];
    }

    /// <summary>What this job runs: separable steps whose store has no ReLU bound (ReLU6) and no sigmoid/swish.</summary>
    public static bool Supports(in ConvolutionGeometry g) =>
        g.Separable && float.IsPositiveInfinity(g.ReluMax) && g.Activation == 0 && g.OutChannelOffset == 0 && g.OutPixelFloats == g.OutChannels;

    /// <summary>The int8 form: <paramref name="weights"/> quantized for this step's calibrated input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunInt8(in ConvolutionGeometry geometry, int batch, float[] input, float[] output, float[]? residual, float[] depthwise, QuantizedPanels weights, float[]? bias)
    {
        quantized = weights;
        Run(geometry, batch, input, output, residual, depthwise, bias);
    }

    /// <summary>The recording form: fp32 with <paramref name="weights"/>; returns the range of the depthwise outputs.</summary>
    public (float Min, float Max) RunRecording(in ConvolutionGeometry geometry, int batch, float[] input, float[] output, float[]? residual, float[] depthwise, PackedPanels weights, float[]? bias)
    {
        packed = weights;
        minima.AsSpan().Fill(float.PositiveInfinity);
        maxima.AsSpan().Fill(float.NegativeInfinity);
        Run(geometry, batch, input, output, residual, depthwise, bias);
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        for (int w = 0; w < minima.Length; w++)
        {
            (min, max) = (Math.Min(min, minima[w]), Math.Max(max, maxima[w]));
        }

        return (min, max);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run(in ConvolutionGeometry geometry, int batch, float[] input, float[] output, float[]? residual, float[] depthwise, float[]? bias)
    {
        g = geometry;
        (this.input, this.output, this.residual, this.depthwise, this.bias) = (input, output, residual, depthwise, bias);
        taps = g.KernelHeight * g.KernelWidth;
        lda = ChannelMath.RoundUp(g.InChannels, 16);
        paddedK = (g.InChannels + QuantizedPanels.KGroup - 1) / QuantizedPanels.KGroup * QuantizedPanels.KGroup;
        pixels = batch * g.OutHeight * g.OutWidth;
        int microTiles = (pixels + Gemm.Rows - 1) / Gemm.Rows;
        int threads = owner.Threads;
        tiles = Math.Max((pixels + TilePixels - 1) / TilePixels, Math.Min(threads, microTiles));
        tiles = Math.Min(microTiles, (tiles + threads - 1) / threads * threads);
        int largestTile = (microTiles + tiles - 1) / tiles * Gemm.Rows;
        owner.ReserveScratch(ScratchFloats(largestTile));
        try
        {
            owner.Pool.Run(this, tiles);
        }
        finally
        {
            this.input = this.output = this.residual = this.depthwise = this.bias = null;
            (quantized, packed) = (null, null);
        }
    }

    /// <summary>A tile's float A rows, its u8 A rows, one raw micro-tile (fp32 or int32), the tap offsets.</summary>
    private long ScratchFloats(int pixelsInTile)
    {
        long rows = ChannelMath.RoundUp(pixelsInTile, Gemm.Rows);
        return rows * lda + rows * paddedK / sizeof(float) + Math.Max(Gemm.TileFloats, Int8Gemm.TileInts) + 2 * taps;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        int inC = g.InChannels, outC = g.OutChannels;
        int microTiles = (pixels + Gemm.Rows - 1) / Gemm.Rows;
        int q0 = (int)((long)task * microTiles / tiles) * Gemm.Rows;
        int count = Math.Min((int)((long)(task + 1) * microTiles / tiles) * Gemm.Rows, pixels) - q0;
        if (count <= 0)
        {
            return;
        }

        CpuIsa isa = owner.Isa;
        float* a = owner.Scratch(worker, ScratchFloats(count));
        long rows = ChannelMath.RoundUp(count, Gemm.Rows);
        byte* a8 = (byte*)(a + rows * lda);
        float* microTile = (float*)(a8 + rows * paddedK);
        int* tapX = (int*)(microTile + Math.Max(Gemm.TileFloats, Int8Gemm.TileInts)), tapW = tapX + taps;
        float* x = Pointer(input), w = Pointer(depthwise);

        // The depthwise outputs of the tile's pixels, one A row each, as the fp32 job builds them.
        DepthwiseARows.Build<RuntimeGeometry>(isa, g, x, w, q0, count, a, lda, tapX, tapW);

        float* c = Pointer(output) + (long)q0 * outC;
        float* r = g.HasResidual ? Pointer(residual) + (long)q0 * outC : null;
        if (packed is { } fp32)
        {
            Record(a, count, inC, worker);
            Gemm.Multiply(isa, a, lda, count, fp32, 0, fp32.Panels, c, outC, Pointer(bias), r, g.ReluOutput, microTile);
            return;
        }

        QuantizedPanels weights = quantized!;
        weights.Input.Quantize(new ReadOnlySpan<float>(a, (int)((count - 1) * (long)lda + inC)), lda, count, inC, new Span<byte>(a8, count * paddedK), paddedK);

        // With a residual the ReLU (if any) comes after the add, so the GEMM's epilogue stops at the bias.
        Int8Gemm.Multiply(owner.Int8Isa, a8, paddedK, count, weights, c, outC, Pointer(bias), g.ReluOutput && r == null, (int*)microTile);
        for (int row = 0; r != null && row < count; row++)
        {
            ChannelMath.Finish(isa, c + (long)row * outC, c + (long)row * outC, null, r + (long)row * outC, outC, g.ReluOutput);
        }
    }

    /// <summary>The range of the tile's depthwise outputs, into this worker's running minimum and maximum.</summary>
    private void Record(float* a, int count, int k, int worker)
    {
        float min = minima[worker], max = maxima[worker];
        for (int row = 0; row < count; row++)
        {
            foreach (float v in new ReadOnlySpan<float>(a + (long)row * lda, k))
            {
                (min, max) = (Math.Min(min, v), Math.Max(max, v));
            }
        }

        (minima[worker], maxima[worker]) = (min, max);
    }
}

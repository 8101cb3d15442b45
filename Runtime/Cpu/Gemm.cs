using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// The GEMM at the heart of every convolution step: C[rows × N] = epilogue(A[rows × K] · B[K × N]), A
/// row-major in a worker's cache-resident scratch (a tile of depthwise outputs or gathered conv taps),
/// B packed in panels (<see cref="PackedPanels"/>), and the epilogue (bias = folded BN, residual add,
/// ReLU) applied while C is stored. The micro-kernel computes <see cref="Rows"/> pixels × 32 output
/// channels in registers; on AVX-512 that is 16 accumulators of the 32 zmm registers, so each k step
/// is 2 panel loads + 8 broadcasts for 16 FMAs.
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>Pixels per micro-tile. A must have this many readable rows past the last one used (rounded up).</summary>
    public const int Rows = 8;

    /// <summary>Floats of per-worker scratch the tail handling needs (one micro-tile).</summary>
    public const int TileFloats = Rows * PackedPanels.Width;

    /// <summary>
    /// The AVX-512 micro-kernel prefetches one cache line of the next panel at most every this many k steps
    /// (see <see cref="Multiply"/>); a power of two.
    /// </summary>
    private const int PrefetchEvery = 8;

    /// <summary>Cache lines in one k row of a panel (<see cref="PackedPanels.Width"/> floats).</summary>
    private const int LinesPerPanelRow = PackedPanels.Width * sizeof(float) / 64;

    /// <summary>
    /// Multiplies <paramref name="rows"/> rows of A by panels [<paramref name="panelStart"/>, <paramref name="panelEnd"/>)
    /// of B. <paramref name="c"/> and <paramref name="residual"/> point at column 0 of row 0 (stride <paramref name="ldc"/>);
    /// <paramref name="bias"/> at column 0. A partial last micro-tile re-reads its last row for the missing ones. The panels are
    /// visited starting <paramref name="rotate"/> panels in (wrapping around); the result does not depend on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(
        CpuIsa isa, float* a, int lda, int rows, PackedPanels b, int panelStart, int panelEnd,
        float* c, int ldc, float* bias, float* residual, bool relu, float* tile, int rotate = 0, float reluMax = float.PositiveInfinity) =>
        Multiply(isa, new ARows(a, lda, b.K), rows, b, panelStart, panelEnd, c, ldc, bias, residual, relu, tile, rotate, reluMax);

    /// <summary>
    /// <see cref="Multiply(CpuIsa, float*, int, int, PackedPanels, int, int, float*, int, float*, float*, bool, float*, int, float)"/>
    /// with A given as <paramref name="a"/>: rows in a matrix, or rows read in place from a convolution's input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(
        CpuIsa isa, ARows a, int rows, PackedPanels b, int panelStart, int panelEnd,
        float* c, int ldc, float* bias, float* residual, bool relu, float* tile, int rotate = 0, float reluMax = float.PositiveInfinity)
    {
        int k = b.K;
        float* packed = b.Pointer;
        if (k != a.Segments * a.SegmentLength)
        {
            throw new ArgumentException($"A has {a.Segments} segments of {a.SegmentLength} per row; the panels have K = {k}.", nameof(a));
        }

        float** row = stackalloc float*[Rows];
        int count = panelEnd - panelStart;
        long panelFloats = (long)k * PackedPanels.Width;

        // The micro-tiles of one panel must prefetch the whole next panel between them (k × 2 lines): one
        // line every 8 k steps covers it only from 16 micro-tiles on, so fewer rows (10×10 steps, a worker's
        // half of a small step) prefetch more often; otherwise the next panel's tail still came from L3/DRAM.
        int microTiles = (rows + Rows - 1) / Rows;
        int prefetchEvery = PrefetchEvery;
        while (prefetchEvery > 1 && microTiles < LinesPerPanelRow * prefetchEvery)
        {
            prefetchEvery /= 2;
        }

        long prefetchSlice = (long)(k / prefetchEvery) * (64 / sizeof(float));
        for (int i = 0; i < count; i++)
        {
            int p = panelStart + (i + rotate) % count;
            float* panel = packed + p * panelFloats;
            float* next = i + 1 < count ? packed + (panelStart + (i + 1 + rotate) % count) * panelFloats : null;
            int column = p * PackedPanels.Width;
            int columns = Math.Min(PackedPanels.Width, b.N - column);
            float* panelBias = bias == null ? null : bias + column;
            for (int r = 0, m = 0; r < rows; r += Rows, m++)
            {
                int tileRows = Math.Min(Rows, rows - r);

                // While a panel is multiplied, micro-tile m prefetches the m-th slice of the next panel into L2.
                // At batch 1 each step's weights are read once and come from DRAM: without this, every panel's
                // first micro-tile waited on them (the gain is in Benchmarks/RESULTS.md).
                long prefetchAt = m * prefetchSlice;
                // (The last slice may run past the panel's end: a prefetch never faults.)
                float* prefetch = next != null && prefetchAt < panelFloats ? next + prefetchAt : null;
                a.Fill(row, r, tileRows);
                float* cr = c + (long)r * ldc + column;
                float* rr = residual == null ? null : residual + (long)r * ldc + column;
                switch (isa)
                {
                    case CpuIsa.Vector512:
                        Kernel512(row, a.Segments, a.SegmentStride, a.SegmentLength, panel, cr, ldc, panelBias, rr, relu, reluMax, tileRows, columns, tile, prefetch, prefetchEvery - 1);
                        break;
                    case CpuIsa.Vector256:
                        Kernel256(row, a.Segments, a.SegmentStride, a.SegmentLength, panel, tile);
                        FinishTile(isa, tile, cr, ldc, panelBias, rr, relu, reluMax, tileRows, columns);
                        break;
                    default:
                        KernelScalar(row, a.Segments, a.SegmentStride, a.SegmentLength, panel, tile);
                        FinishTile(isa, tile, cr, ldc, panelBias, rr, relu, reluMax, tileRows, columns);
                        break;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512(
        float** row, int segments, nint segmentStride, int segmentLength, float* b, float* c, nint ldc, float* bias, float* residual, bool relu,
        float reluMax, int rows, int columns, float* tile, float* prefetch, nint prefetchMask)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        for (nint s = 0; s < segments; s++)
        {
        float* a0 = row[0] + s * segmentStride;
        float* a1 = row[1] + s * segmentStride;
        float* a2 = row[2] + s * segmentStride;
        float* a3 = row[3] + s * segmentStride;
        float* a4 = row[4] + s * segmentStride;
        float* a5 = row[5] + s * segmentStride;
        float* a6 = row[6] + s * segmentStride;
        float* a7 = row[7] + s * segmentStride;
        for (nint i = 0; i < segmentLength; i++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            b += PackedPanels.Width;
            if (prefetch != null && (i & prefetchMask) == 0)
            {
                Sse.Prefetch1(prefetch);
                prefetch += 64 / sizeof(float);
            }

            Vector512<float> x;
            x = Vector512.Create(a0[i]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[i]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[i]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[i]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[i]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[i]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[i]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[i]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
        }
        }

        if (rows == Rows && columns == PackedPanels.Width)
        {
            Vector512<float> bias0 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias);
            Vector512<float> bias1 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias + 16);
            Store(c + 0 * ldc, c00, c01, bias0, bias1, residual == null ? null : residual + 0 * ldc, relu, reluMax);
            Store(c + 1 * ldc, c10, c11, bias0, bias1, residual == null ? null : residual + 1 * ldc, relu, reluMax);
            Store(c + 2 * ldc, c20, c21, bias0, bias1, residual == null ? null : residual + 2 * ldc, relu, reluMax);
            Store(c + 3 * ldc, c30, c31, bias0, bias1, residual == null ? null : residual + 3 * ldc, relu, reluMax);
            Store(c + 4 * ldc, c40, c41, bias0, bias1, residual == null ? null : residual + 4 * ldc, relu, reluMax);
            Store(c + 5 * ldc, c50, c51, bias0, bias1, residual == null ? null : residual + 5 * ldc, relu, reluMax);
            Store(c + 6 * ldc, c60, c61, bias0, bias1, residual == null ? null : residual + 6 * ldc, relu, reluMax);
            Store(c + 7 * ldc, c70, c71, bias0, bias1, residual == null ? null : residual + 7 * ldc, relu, reluMax);
        }
        else
        {
            c00.Store(tile + 0);
            c01.Store(tile + 16);
            c10.Store(tile + 32);
            c11.Store(tile + 48);
            c20.Store(tile + 64);
            c21.Store(tile + 80);
            c30.Store(tile + 96);
            c31.Store(tile + 112);
            c40.Store(tile + 128);
            c41.Store(tile + 144);
            c50.Store(tile + 160);
            c51.Store(tile + 176);
            c60.Store(tile + 192);
            c61.Store(tile + 208);
            c70.Store(tile + 224);
            c71.Store(tile + 240);
            FinishTile(CpuIsa.Vector512, tile, c, ldc, bias, residual, relu, reluMax, rows, columns);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* dst, Vector512<float> acc0, Vector512<float> acc1, Vector512<float> bias0, Vector512<float> bias1, float* residual, bool relu, float reluMax)
    {
        acc0 += bias0;
        acc1 += bias1;
        if (residual != null)
        {
            acc0 += Vector512.Load(residual);
            acc1 += Vector512.Load(residual + 16);
        }

        if (relu)
        {
            acc0 = Vector512.Max(acc0, Vector512<float>.Zero);
            acc1 = Vector512.Max(acc1, Vector512<float>.Zero);
            if (reluMax < float.PositiveInfinity)
            {
                acc0 = Vector512.Min(acc0, Vector512.Create(reluMax));
                acc1 = Vector512.Min(acc1, Vector512.Create(reluMax));
            }
        }

        acc0.Store(dst);
        acc1.Store(dst + 16);
    }

    /// <summary>The AVX2 micro-tile: 8 × 32 as four 4 × 16 blocks (8 of the 16 ymm registers accumulate), raw into <paramref name="tile"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(float** row, int segments, nint segmentStride, int segmentLength, float* b, float* tile)
    {
        for (int r = 0; r < Rows; r += 4)
        {
            for (int half = 0; half < PackedPanels.Width; half += 16)
            {
                Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
                Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
                float* bp = b + half;
                for (nint s = 0; s < segments; s++)
                {
                float* a0 = row[r] + s * segmentStride, a1 = row[r + 1] + s * segmentStride;
                float* a2 = row[r + 2] + s * segmentStride, a3 = row[r + 3] + s * segmentStride;
                for (nint i = 0; i < segmentLength; i++)
                {
                    Vector256<float> b0 = Vector256.Load(bp);
                    Vector256<float> b1 = Vector256.Load(bp + 8);
                    bp += PackedPanels.Width;
                    Vector256<float> x = Vector256.Create(a0[i]);
                    c00 = Fma.MultiplyAdd(x, b0, c00);
                    c01 = Fma.MultiplyAdd(x, b1, c01);
                    x = Vector256.Create(a1[i]);
                    c10 = Fma.MultiplyAdd(x, b0, c10);
                    c11 = Fma.MultiplyAdd(x, b1, c11);
                    x = Vector256.Create(a2[i]);
                    c20 = Fma.MultiplyAdd(x, b0, c20);
                    c21 = Fma.MultiplyAdd(x, b1, c21);
                    x = Vector256.Create(a3[i]);
                    c30 = Fma.MultiplyAdd(x, b0, c30);
                    c31 = Fma.MultiplyAdd(x, b1, c31);
                }
                }

                float* t = tile + r * PackedPanels.Width + half;
                c00.Store(t);
                c01.Store(t + 8);
                c10.Store(t + PackedPanels.Width);
                c11.Store(t + PackedPanels.Width + 8);
                c20.Store(t + 2 * PackedPanels.Width);
                c21.Store(t + 2 * PackedPanels.Width + 8);
                c30.Store(t + 3 * PackedPanels.Width);
                c31.Store(t + 3 * PackedPanels.Width + 8);
            }
        }
    }

    /// <summary>The portable micro-tile: plain float sums in k order, raw into <paramref name="tile"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelScalar(float** row, int segments, nint segmentStride, int segmentLength, float* b, float* tile)
    {
        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < PackedPanels.Width; j++)
            {
                float sum = 0f;
                for (int s = 0, i = 0; s < segments; s++)
                {
                    float* ar = row[r] + s * segmentStride;
                    for (int t = 0; t < segmentLength; t++, i++)
                    {
                        sum += ar[t] * b[i * PackedPanels.Width + j];
                    }
                }

                tile[r * PackedPanels.Width + j] = sum;
            }
        }
    }

    /// <summary>Stores the valid rows × columns of a raw micro-tile through the epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FinishTile(CpuIsa isa, float* tile, float* c, nint ldc, float* bias, float* residual, bool relu, float reluMax, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
        {
            ChannelMath.Finish(isa, c + r * ldc, tile + r * PackedPanels.Width, bias, residual == null ? null : residual + r * ldc, columns, relu, reluMax);
        }
    }
}

/// <summary>
/// Where the GEMM reads the rows of A. Either a row-major matrix (row r at <c>matrix + r·lda</c>), or rows read in
/// place from a convolution's NHWC input ("implicit im2col"): row r starts at <c>table[r]</c> (the input pixel of
/// its first tap) and is made of <see cref="Segments"/> runs of <see cref="SegmentLength"/> contiguous floats
/// <see cref="SegmentStride"/> apart (one run per kernel row: kw·Cin floats, one input row apart).
/// </summary>
internal readonly unsafe struct ARows
{
    private readonly float* matrix;
    private readonly nint lda;
    private readonly float** table;

    /// <summary>A row-major matrix: rows <paramref name="lda"/> floats apart, the first <paramref name="k"/> of each used (one segment).</summary>
    public ARows(float* matrix, int lda, int k)
    {
        this.matrix = matrix;
        this.lda = lda;
        table = null;
        Segments = 1;
        SegmentLength = k;
        SegmentStride = 0;
    }

    /// <summary>Rows given by pointer, each <paramref name="segments"/> runs of <paramref name="segmentLength"/> floats.</summary>
    public ARows(float** table, int segments, int segmentLength, nint segmentStride)
    {
        matrix = null;
        lda = 0;
        this.table = table;
        Segments = segments;
        SegmentLength = segmentLength;
        SegmentStride = segmentStride;
    }

    public int Segments { get; }

    public int SegmentLength { get; }

    public nint SegmentStride { get; }

    public bool IsTable => table != null;

    /// <summary>Pointers to micro-tile rows [r, r + Gemm.Rows); rows past <paramref name="valid"/> repeat the last valid one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Fill(float** row, int r, int valid)
    {
        for (int i = 0; i < Gemm.Rows; i++)
        {
            int at = r + Math.Min(i, valid - 1);
            row[i] = IsTable ? table[at] : matrix + at * lda;
        }
    }
}

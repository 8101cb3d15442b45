using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Xception.Compiler.Runtime.Cpu.Int8;

/// <summary>
/// The int8 GEMM: C[rows × N] = s_a·s[n]·(Σ_k q_a[r, k]·q[k, n] − z_a·Σ_k q[k, n]) + bias[n], optionally ReLU,
/// with A u8 activations row-major (rows of at least <see cref="QuantizedPanels.PaddedK"/> bytes) and B packed
/// by <see cref="QuantizedPanels"/>. The integer part is exact; the only rounding is the float epilogue. The
/// micro-kernel computes <see cref="Rows"/> pixels × 32 channels, like the fp32 <see cref="Gemm"/>: on AVX-512
/// 16 int32 accumulators, and per group of 4 k: 2 panel loads, 8 broadcasts of 4 activation bytes, 16 products.
/// </summary>
internal static unsafe class Int8Gemm
{
    /// <summary>Pixels per micro-tile. A partial last micro-tile re-reads its last row for the missing ones.</summary>
    public const int Rows = 8;

    /// <summary>Int32s of scratch the tail handling needs (one micro-tile).</summary>
    public const int TileInts = Rows * QuantizedPanels.Width;

    /// <summary>
    /// Dequantizing form: <paramref name="c"/> (stride <paramref name="ldc"/> floats) gets the float result, plus
    /// <paramref name="bias"/> (N floats, may be null) and ReLU. <paramref name="tile"/> holds <see cref="TileInts"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(Int8Isa isa, byte* a, int lda, int rows, QuantizedPanels b, float* c, int ldc, float* bias, bool relu, int* tile) =>
        Run(isa, a, lda, rows, b, new Output(c, null, null, default, ldc, bias, relu), tile);

    /// <summary>
    /// Integer form: <paramref name="c"/> (stride <paramref name="ldc"/> int32s) gets Σ_k q_a·q − z_a·Σ_k q, exact;
    /// the reference the dequantizing epilogue is built on, and what a requantizing step would start from.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyInt32(Int8Isa isa, byte* a, int lda, int rows, QuantizedPanels b, int* c, int ldc, int* tile) =>
        Run(isa, a, lda, rows, b, new Output(null, c, null, default, ldc, null, false), tile);

    /// <summary>
    /// Requantizing form, for a step whose consumer is another int8 GEMM: the float result of
    /// <see cref="Multiply"/> (bias, ReLU) quantized again with <paramref name="next"/> into u8
    /// <paramref name="c"/> (stride <paramref name="ldc"/> bytes), rounding half to even as <see cref="ActivationQuantization.Quantize(float)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRequantized(
        Int8Isa isa, byte* a, int lda, int rows, QuantizedPanels b, byte* c, int ldc, float* bias, bool relu, ActivationQuantization next, int* tile) =>
        Run(isa, a, lda, rows, b, new Output(null, null, c, next, ldc, bias, relu), tile);

    private static void Run(Int8Isa isa, byte* a, int lda, int rows, QuantizedPanels b, Output output, int* tile)
    {
        if (lda < b.PaddedK)
        {
            throw new ArgumentException($"Rows of A need at least {b.PaddedK} bytes (K = {b.K} rounded up to {QuantizedPanels.KGroup}); lda is {lda}.", nameof(lda));
        }

        if (!Int8Isas.IsSupported(isa))
        {
            throw new PlatformNotSupportedException($"This processor does not run the {isa} int8 path.");
        }

        byte** row = stackalloc byte*[Rows];
        int groups = b.PaddedK / QuantizedPanels.KGroup;
        long panelBytes = (long)b.PaddedK * QuantizedPanels.Width;
        fixed (int* corrections = b.Corrections)
        fixed (float* scales = b.OutputScales)
        {
            for (int p = 0; p < b.Panels; p++)
            {
                sbyte* panel = b.Pointer + p * panelBytes;
                int column = p * QuantizedPanels.Width;
                int columns = Math.Min(QuantizedPanels.Width, b.N - column);
                var epilogue = new Epilogue(corrections + column, scales + column, output.Bias == null ? null : output.Bias + column, output.Relu);
                for (int r = 0; r < rows; r += Rows)
                {
                    int tileRows = Math.Min(Rows, rows - r);
                    for (int i = 0; i < Rows; i++)
                    {
                        row[i] = a + (long)(r + Math.Min(i, tileRows - 1)) * lda;
                    }

                    float* cf = output.Floats == null ? null : output.Floats + (long)r * output.Ldc + column;
                    bool direct = cf != null && tileRows == Rows && columns == QuantizedPanels.Width;
                    switch (isa)
                    {
                        case Int8Isa.Avx512BW:
                            Kernel512BW(row, groups, panel, direct ? cf : null, output.Ldc, epilogue, tile);
                            break;
                        default:
                            KernelScalar(row, groups, panel, tile);
                            break;
                    }

                    if (!direct || isa == Int8Isa.Scalar)
                    {
                        Finish(isa, tile, output, r, column, tileRows, columns, epilogue);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512BW(byte** row, int groups, sbyte* b, float* c, nint ldc, Epilogue epilogue, int* tile)
    {
        Vector512<short> ones = Vector512.Create((short)1);
        Vector512<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<int> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<int> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<int> c60 = default, c61 = default, c70 = default, c71 = default;
        int* a0 = (int*)row[0], a1 = (int*)row[1], a2 = (int*)row[2], a3 = (int*)row[3];
        int* a4 = (int*)row[4], a5 = (int*)row[5], a6 = (int*)row[6], a7 = (int*)row[7];
        for (nint g = 0; g < groups; g++)
        {
            Vector512<sbyte> b0 = Vector512.Load(b);
            Vector512<sbyte> b1 = Vector512.Load(b + 64);
            b += 2 * 64;
            Vector512<byte> x;
            x = Vector512.Create(a0[g]).AsByte();
            c00 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b0), ones);
            c01 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b1), ones);
            x = Vector512.Create(a1[g]).AsByte();
            c10 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b0), ones);
            c11 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b1), ones);
            x = Vector512.Create(a2[g]).AsByte();
            c20 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b0), ones);
            c21 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b1), ones);
            x = Vector512.Create(a3[g]).AsByte();
            c30 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b0), ones);
            c31 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b1), ones);
            x = Vector512.Create(a4[g]).AsByte();
            c40 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b0), ones);
            c41 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b1), ones);
            x = Vector512.Create(a5[g]).AsByte();
            c50 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b0), ones);
            c51 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b1), ones);
            x = Vector512.Create(a6[g]).AsByte();
            c60 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b0), ones);
            c61 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b1), ones);
            x = Vector512.Create(a7[g]).AsByte();
            c70 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b0), ones);
            c71 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x, b1), ones);
        }

        if (c != null)
        {
            Vector512<int> corr0 = Vector512.Load(epilogue.Corrections), corr1 = Vector512.Load(epilogue.Corrections + 16);
            Vector512<float> scale0 = Vector512.Load(epilogue.Scales), scale1 = Vector512.Load(epilogue.Scales + 16);
            Vector512<float> bias0 = epilogue.Bias == null ? Vector512<float>.Zero : Vector512.Load(epilogue.Bias);
            Vector512<float> bias1 = epilogue.Bias == null ? Vector512<float>.Zero : Vector512.Load(epilogue.Bias + 16);
            bool relu = epilogue.Relu;
            Store(c + 0 * ldc, c00 - corr0, scale0, bias0, relu);
            Store(c + 0 * ldc + 16, c01 - corr1, scale1, bias1, relu);
            Store(c + 1 * ldc, c10 - corr0, scale0, bias0, relu);
            Store(c + 1 * ldc + 16, c11 - corr1, scale1, bias1, relu);
            Store(c + 2 * ldc, c20 - corr0, scale0, bias0, relu);
            Store(c + 2 * ldc + 16, c21 - corr1, scale1, bias1, relu);
            Store(c + 3 * ldc, c30 - corr0, scale0, bias0, relu);
            Store(c + 3 * ldc + 16, c31 - corr1, scale1, bias1, relu);
            Store(c + 4 * ldc, c40 - corr0, scale0, bias0, relu);
            Store(c + 4 * ldc + 16, c41 - corr1, scale1, bias1, relu);
            Store(c + 5 * ldc, c50 - corr0, scale0, bias0, relu);
            Store(c + 5 * ldc + 16, c51 - corr1, scale1, bias1, relu);
            Store(c + 6 * ldc, c60 - corr0, scale0, bias0, relu);
            Store(c + 6 * ldc + 16, c61 - corr1, scale1, bias1, relu);
            Store(c + 7 * ldc, c70 - corr0, scale0, bias0, relu);
            Store(c + 7 * ldc + 16, c71 - corr1, scale1, bias1, relu);
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
        }
    }

    /// <summary>One float: (sum − correction)·scale + bias, through FMA; ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* dst, Vector512<int> sum, Vector512<float> scale, Vector512<float> bias, bool relu)
    {
        Vector512<float> y = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum), scale, bias);
        (relu ? Vector512.Max(y, Vector512<float>.Zero) : y).Store(dst);
    }

    /// <summary>The portable micro-tile: int32 sums in k order, raw into <paramref name="tile"/>.</summary>
    private static void KernelScalar(byte** row, int groups, sbyte* b, int* tile)
    {
        const int W = QuantizedPanels.Width, G = QuantizedPanels.KGroup;
        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < W; j++)
            {
                int sum = 0;
                for (int g = 0; g < groups; g++)
                {
                    for (int i = 0; i < G; i++)
                    {
                        sum += row[r][g * G + i] * b[(g * W + j) * G + i];
                    }
                }

                tile[r * W + j] = sum;
            }
        }
    }

    /// <summary>The valid rows × columns of a raw micro-tile, corrected, through the epilogue (or as int32).</summary>
    private static void Finish(Int8Isa isa, int* tile, Output output, int r, int column, int rows, int columns, Epilogue epilogue)
    {
        for (int i = 0; i < rows; i++)
        {
            int* sums = tile + i * QuantizedPanels.Width;
            long at = (long)(r + i) * output.Ldc + column;
            int j = 0;
            if (output.Bytes != null && isa == Int8Isa.Avx512BW)
            {
                for (; j + 16 <= columns; j += 16)
                {
                    Requantize16(sums + j, output.Bytes + at + j, output.Next, epilogue, j);
                }
            }

            for (; j < columns; j++)
            {
                int sum = sums[j] - epilogue.Corrections[j];
                if (output.Ints != null)
                {
                    output.Ints[at + j] = sum;
                    continue;
                }

                float y = MathF.FusedMultiplyAdd(sum, epilogue.Scales[j], epilogue.Bias == null ? 0f : epilogue.Bias[j]);
                y = epilogue.Relu ? Math.Max(y, 0f) : y;
                if (output.Bytes != null)
                {
                    output.Bytes[at + j] = output.Next.Quantize(y);
                }
                else
                {
                    output.Floats[at + j] = y;
                }
            }
        }
    }

    /// <summary>
    /// 16 channels from column <paramref name="j"/> of the panel: the float epilogue, then u8 bit for bit as the scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Requantize16(int* sums, byte* dst, ActivationQuantization next, Epilogue epilogue, int j)
    {
        Vector512<int> sum = Vector512.Load(sums) - Vector512.Load(epilogue.Corrections + j);
        Vector512<float> bias = epilogue.Bias == null ? Vector512<float>.Zero : Vector512.Load(epilogue.Bias + j);
        Vector512<float> y = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum), Vector512.Load(epilogue.Scales + j), bias);
        y = epilogue.Relu ? Vector512.Max(y, Vector512<float>.Zero) : y;
        next.Quantize16(y, dst);
    }

    /// <summary>Where the results go: floats through the epilogue, u8 requantized from them, or raw int32s.</summary>
    private readonly struct Output(float* floats, int* ints, byte* bytes, ActivationQuantization next, int ldc, float* bias, bool relu)
    {
        public float* Floats { get; } = floats;

        public int* Ints { get; } = ints;

        public byte* Bytes { get; } = bytes;

        /// <summary>The quantization of <see cref="Bytes"/>.</summary>
        public ActivationQuantization Next { get; } = next;

        public int Ldc { get; } = ldc;

        public float* Bias { get; } = bias;

        public bool Relu { get; } = relu;
    }

    /// <summary>One panel's per-channel terms, from its first column.</summary>
    private readonly struct Epilogue(int* corrections, float* scales, float* bias, bool relu)
    {
        public int* Corrections { get; } = corrections;

        public float* Scales { get; } = scales;

        public float* Bias { get; } = bias;

        public bool Relu { get; } = relu;
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.Cpu.Int8;
using Xception.Compiler.Tests.Kernels;
using Xunit.Sdk;

namespace Xception.Compiler.Tests.Cpu.Int8;

/// <summary>The int8 GEMM on every path this machine runs: exact int32 sums, and floats within the derived quantization bound.</summary>
public sealed unsafe class Int8GemmTests
{
    private static readonly (int Rows, int K, int N)[] Shapes =
    {
        (1, 1, 1), (8, 4, 32), (13, 91, 91), (7, 27, 13), (17, 64, 40),
        (9, 728, 33), (3, 2048, 10), (16, 256, 64), (8, 193, 32),
    };

    public static IEnumerable<object[]> Isas() =>
        Enum.GetValues<Int8Isa>().Where(Int8Isas.IsSupported).Select(isa => new object[] { isa.ToString() });

    public static IEnumerable<object[]> Cases() =>
        from isa in Enum.GetValues<Int8Isa>().Where(Int8Isas.IsSupported)
        from shape in Shapes
        select new object[] { isa.ToString(), shape.Rows, shape.K, shape.N };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MultiplyInt32_OddShapes_EqualsNaiveInt32Sums(string isaName, int rows, int k, int n)
    {
        Int8Isa isa = Enum.Parse<Int8Isa>(isaName);
        var input = new ActivationQuantization(0.05f, 37);
        float[] w = KernelTestData.RandomFloats(k * n, 2, -0.3f, 0.3f);
        QuantizedPanels packed = QuantizedPanels.Pack(w, k, n, input);
        int lda = packed.PaddedK + 5; // odd strides, and garbage between K and PaddedK: it must meet zero weights
        byte[] a = RandomBytes(rows * lda, 1);
        int ldc = n + 3;
        int[] c = new int[rows * ldc];
        Array.Fill(c, int.MinValue);
        int[] tile = new int[Int8Gemm.TileInts];
        fixed (byte* pa = a)
        fixed (int* pc = c, pt = tile)
        {
            Int8Gemm.MultiplyInt32(isa, pa, lda, rows, packed, pc, ldc, pt);
        }

        (int[] qw, _) = Int8ReferenceMath.QuantizeWeights(w, k, n);
        long[] expected = Int8ReferenceMath.Sums(a, lda, rows, input.ZeroPoint, qw, k, n);
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < ldc; j++)
            {
                if (j >= n)
                {
                    Assert.True(c[r * ldc + j] == int.MinValue, $"column {j} of row {r} is past N and was written");
                    continue;
                }

                if (expected[r * n + j] != c[r * ldc + j])
                {
                    throw new XunitException($"{isa} {rows}×{k}×{n}: row {r} column {j} is {c[r * ldc + j]}, expected {expected[r * n + j]}.");
                }
            }
        }
    }

    /// <summary>
    /// The worst case for VPMADDUBSW: every activation 255 and every weight ±63, so each s16 pair sum is ±32130, at
    /// the edge of saturation; with 8-bit weights (±127) the pairs would saturate at 32767 and this would fail.
    /// </summary>
    [Theory]
    [MemberData(nameof(Isas))]
    public void MultiplyInt32_ExtremeValues_DoNotSaturate(string isaName)
    {
        Int8Isa isa = Enum.Parse<Int8Isa>(isaName);
        const int Rows = 8, K = 728, N = 64;
        var input = new ActivationQuantization(1f, 0);
        float[] w = new float[K * N];
        for (int i = 0; i < K; i++)
        {
            for (int j = 0; j < N; j++)
            {
                w[i * N + j] = j % 2 == 0 ? 1f : (i % 3 == 0 ? 1f : -1f);
            }
        }

        QuantizedPanels packed = QuantizedPanels.Pack(w, K, N, input);
        byte[] a = Enumerable.Repeat((byte)255, Rows * K).ToArray();
        int[] c = new int[Rows * N], tile = new int[Int8Gemm.TileInts];
        fixed (byte* pa = a)
        fixed (int* pc = c, pt = tile)
        {
            Int8Gemm.MultiplyInt32(isa, pa, K, Rows, packed, pc, N, pt);
        }

        int allPlus = 255 * 63 * K, mixed = 255 * 63 * ((K + 2) / 3 - (K - (K + 2) / 3));
        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < N; j++)
            {
                Assert.Equal(j % 2 == 0 ? allPlus : mixed, c[r * N + j]);
            }
        }
    }

    /// <summary>
    /// Against float64 on the unquantized inputs. With x̂ = s_a(q_a − z) and ŵ = s[n]·q, |x − x̂| ≤ s_a/2 (x inside the
    /// calibrated range) and |w − ŵ| ≤ s[n]/2, so |Σ x·w − Σ x̂·ŵ| ≤ (s_a/2)·Σ_k |w| + (s[n]/2)·Σ_k |x̂|. The integer part
    /// is exact; the epilogue adds the float rounding of the int → float conversion, of s_a·s[n] and of the FMA with
    /// the bias, under 4·2⁻²⁴·(|Σ x̂·ŵ| + |bias|). The result is also checked, to that float rounding alone, against
    /// the float64 value of the quantized product, which pins down the epilogue.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Multiply_OddShapes_WithinTheQuantizationBoundOfFloat64(string isaName, int rows, int k, int n)
    {
        Int8Isa isa = Enum.Parse<Int8Isa>(isaName);
        foreach (bool relu in new[] { false, true })
        {
            // Post-ReLU-like activations with a few negatives, as after a depthwise convolution with a bias.
            float[] x = KernelTestData.RandomFloats(rows * k, 1, -0.5f, 6f);
            float[] w = KernelTestData.RandomFloats(k * n, 2, -0.2f, 0.2f);
            float[] bias = KernelTestData.RandomFloats(n, 3);
            ActivationQuantization input = ActivationQuantization.FromRange(-0.5f, 6f);
            QuantizedPanels packed = QuantizedPanels.Pack(w, k, n, input);
            int lda = packed.PaddedK;
            byte[] a = new byte[rows * lda];
            input.Quantize(x, k, rows, k, a, lda);
            int ldc = n + 1;
            float[] c = new float[rows * ldc];
            int[] tile = new int[Int8Gemm.TileInts];
            fixed (byte* pa = a)
            fixed (float* pc = c, pbias = bias)
            fixed (int* pt = tile)
            {
                Int8Gemm.Multiply(isa, pa, lda, rows, packed, pc, ldc, pbias, relu, pt);
            }

            (int[] qw, double[] ws) = Int8ReferenceMath.QuantizeWeights(w, k, n);
            double sa = input.Scale;
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < n; j++)
                {
                    double exact = bias[j], quantized = 0, sumW = 0, sumX = 0;
                    for (int i = 0; i < k; i++)
                    {
                        double xq = sa * (a[r * lda + i] - input.ZeroPoint), wq = ws[j] * qw[i * n + j];
                        exact += (double)x[r * k + i] * w[i * n + j];
                        quantized += xq * wq;
                        sumW += Math.Abs(w[i * n + j]);
                        sumX += Math.Abs(xq);
                    }

                    double rounding = 4 * Math.Pow(2, -24) * (Math.Abs(quantized) + Math.Abs(bias[j])) + 1e-30;
                    double bound = sa / 2 * sumW * (1 + 1e-6) + ws[j] / 2 * sumX * (1 + 1e-6) + rounding;
                    double actual = c[r * ldc + j];
                    double expectedQuantized = quantized + bias[j];
                    if (relu)
                    {
                        exact = Math.Max(exact, 0);
                        expectedQuantized = Math.Max(expectedQuantized, 0);
                    }

                    string where = $"{isa} {rows}×{k}×{n} relu={relu}: row {r} column {j} is {actual:R}";
                    if (!(Math.Abs(actual - expectedQuantized) <= rounding))
                    {
                        throw new XunitException($"{where}, the quantized product is {expectedQuantized:R} (float rounding bound {rounding:E3}).");
                    }

                    if (!(Math.Abs(actual - exact) <= bound))
                    {
                        throw new XunitException($"{where}, float64 gives {exact:R} (quantization bound {bound:E3}).");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Multiply_PathsAgree_BitForBit(string isaName)
    {
        Int8Isa isa = Enum.Parse<Int8Isa>(isaName);
        const int Rows = 21, K = 300, N = 100;
        QuantizedPanels packed = QuantizedPanels.Pack(KernelTestData.RandomFloats(K * N, 2), K, N, new ActivationQuantization(0.02f, 128));
        byte[] a = RandomBytes(Rows * K, 1);
        float[] bias = KernelTestData.RandomFloats(N, 3);
        float[] scalar = new float[Rows * N], tested = new float[Rows * N];
        int[] tile = new int[Int8Gemm.TileInts];
        fixed (byte* pa = a)
        fixed (float* ps = scalar, pr = tested, pbias = bias)
        fixed (int* pt = tile)
        {
            Int8Gemm.Multiply(Int8Isa.Scalar, pa, K, Rows, packed, ps, N, pbias, true, pt);
            Int8Gemm.Multiply(isa, pa, K, Rows, packed, pr, N, pbias, true, pt);
        }

        Assert.Equal(scalar, tested);
        Assert.Contains(tested, v => v > 0);
        Assert.Contains(tested, v => v == 0);
    }

    /// <summary>
    /// The u8 output equals the float output (checked against float64 above) quantized by the scalar formula, on every
    /// path; the output range is chosen so that some results clamp at 0 and at 255.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void MultiplyRequantized_OddShapes_EqualsTheFloatResultQuantized(string isaName, int rows, int k, int n)
    {
        Int8Isa isa = Enum.Parse<Int8Isa>(isaName);
        var input = new ActivationQuantization(0.03f, 9);
        QuantizedPanels packed = QuantizedPanels.Pack(KernelTestData.RandomFloats(k * n, 2, -0.2f, 0.2f), k, n, input);
        int lda = packed.PaddedK + 1;
        byte[] a = RandomBytes(rows * lda, 1);
        float[] bias = KernelTestData.RandomFloats(n, 3);
        ActivationQuantization next = ActivationQuantization.FromRange(-0.4f, 0.6f * MathF.Sqrt(k) * 0.2f);
        int ldc = n + 2;
        float[] floats = new float[rows * n];
        byte[] bytes = new byte[rows * ldc];
        Array.Fill(bytes, (byte)77);
        int[] tile = new int[Int8Gemm.TileInts];
        foreach (bool relu in new[] { false, true })
        {
            fixed (byte* pa = a, pq = bytes)
            fixed (float* pf = floats, pbias = bias)
            fixed (int* pt = tile)
            {
                Int8Gemm.Multiply(isa, pa, lda, rows, packed, pf, n, pbias, relu, pt);
                Int8Gemm.MultiplyRequantized(isa, pa, lda, rows, packed, pq, ldc, pbias, relu, next, pt);
            }

            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < ldc; j++)
                {
                    byte expected = j < n ? next.Quantize(floats[r * n + j]) : (byte)77;
                    if (bytes[r * ldc + j] != expected)
                    {
                        throw new XunitException($"{isa} {rows}×{k}×{n} relu={relu}: row {r} column {j} is {bytes[r * ldc + j]}, expected {expected} (float {floats[r * n + j]:R}).");
                    }
                }
            }

            if (rows * n >= 256)
            {
                Assert.Contains(bytes, v => v == 255);
                Assert.Contains(bytes, v => v == (relu ? next.ZeroPoint : 0));
            }
        }
    }

    [Fact]
    public void Multiply_ShortRows_Throws()
    {
        QuantizedPanels packed = QuantizedPanels.Pack(new float[10 * 4], 10, 4, new ActivationQuantization(1f, 0));
        var e = Assert.Throws<ArgumentException>(() =>
        {
            byte* a = stackalloc byte[64];
            float* c = stackalloc float[16];
            int* tile = stackalloc int[Int8Gemm.TileInts];
            Int8Gemm.Multiply(Int8Isa.Scalar, a, 10, 1, packed, c, 4, null, false, tile);
        });
        Assert.Contains("12", e.Message);
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime.Cpu;
using Xception.Compiler.Tests.Kernels;

namespace Xception.Compiler.Tests.Cpu;

/// <summary>The packed GEMM micro-kernels on every instruction set this machine runs, against float64.</summary>
public sealed unsafe class GemmTests
{
    public static IEnumerable<object[]> Isas() =>
        Enum.GetValues<CpuIsa>().Where(CpuIsas.IsSupported).Select(isa => new object[] { isa.ToString() });

    /// <summary>Rows × K × N with tails everywhere: rows not a multiple of 8, N not a multiple of 32 (or 16, 8), K odd.</summary>
    public static IEnumerable<object[]> Cases() =>
        from isa in Enum.GetValues<CpuIsa>().Where(CpuIsas.IsSupported)
        from shape in new (int Rows, int K, int N)[]
        {
            (1, 1, 1), (8, 13, 32), (13, 91, 91), (7, 27, 13), (17, 64, 40),
            (9, 728, 33), (24, 100, 64), (3, 2048, 10), (16, 384, 64), (8, 193, 32),
        }
        from extras in new (bool Bias, bool Residual, bool Relu)[] { (false, false, false), (true, true, true), (true, false, true) }
        select new object[] { isa.ToString(), shape.Rows, shape.K, shape.N, extras.Bias, extras.Residual, extras.Relu };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Multiply_OddShapes_MatchesFloat64Reference(string isaName, int rows, int k, int n, bool bias, bool residual, bool relu)
    {
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        int lda = k + 3; // a stride wider than K, as the scratch tiles use
        float[] a = KernelTestData.RandomFloats(ChannelMath.RoundUp(rows, Gemm.Rows) * lda, 1);
        float[] b = KernelTestData.RandomFloats(k * n, 2);
        float[]? biasValues = bias ? KernelTestData.RandomFloats(n, 3) : null;
        int ldc = n + 5;
        float[]? residualValues = residual ? KernelTestData.RandomFloats(rows * ldc, 4) : null;
        float[] c = new float[rows * ldc];
        Array.Fill(c, float.NaN); // the gaps between rows must stay untouched
        float[] tile = new float[Gemm.TileFloats];
        PackedPanels packed = PackedPanels.Pack(b, k, n);

        fixed (float* pa = a, pc = c, pbias = biasValues, pres = residualValues, ptile = tile)
        {
            Gemm.Multiply(isa, pa, lda, rows, packed, 0, packed.Panels, pc, ldc, pbias, pres, relu, ptile);
        }

        var expected = new double[rows * n];
        var actual = new float[rows * n];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int i = 0; i < k; i++)
                {
                    sum += (double)a[r * lda + i] * b[i * n + j];
                }

                sum += (biasValues?[j] ?? 0) + (residualValues?[r * ldc + j] ?? 0);
                expected[r * n + j] = relu ? Math.Max(0, sum) : sum;
                actual[r * n + j] = c[r * ldc + j];
            }

            for (int j = n; j < ldc; j++)
            {
                Assert.True(float.IsNaN(c[r * ldc + j]), $"column {j} of row {r} is past N and was written");
            }
        }

        KernelTestData.AssertClose(expected, actual, $"{isa} {rows}×{k}×{n}");
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Multiply_RotatedPanelOrder_GivesTheSameBits(string isaName)
    {
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        const int Rows = 13, K = 300, N = 100;
        float[] a = KernelTestData.RandomFloats(Gemm.Rows * 2 * K, 1);
        PackedPanels packed = PackedPanels.Pack(KernelTestData.RandomFloats(K * N, 2), K, N);
        float[] bias = KernelTestData.RandomFloats(N, 3), residual = KernelTestData.RandomFloats(Rows * N, 4);
        float[] straight = new float[Rows * N], rotated = new float[Rows * N], tile = new float[Gemm.TileFloats];
        fixed (float* pa = a, ps = straight, pr = rotated, pt = tile, pbias = bias, pres = residual)
        {
            Gemm.Multiply(isa, pa, K, Rows, packed, 0, packed.Panels, ps, N, pbias, pres, true, pt);
            Gemm.Multiply(isa, pa, K, Rows, packed, 0, packed.Panels, pr, N, pbias, pres, true, pt, rotate: 2);
        }

        Assert.Equal(4, packed.Panels);
        Assert.Equal(straight, rotated);
        Assert.Contains(straight, v => v > 0);
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void Multiply_PanelRange_WritesOnlyThoseColumns(string isaName)
    {
        CpuIsa isa = Enum.Parse<CpuIsa>(isaName);
        const int Rows = 5, K = 7, N = 91;
        float[] a = KernelTestData.RandomFloats(Gemm.Rows * K, 1);
        PackedPanels packed = PackedPanels.Pack(KernelTestData.RandomFloats(K * N, 2), K, N);
        float[] c = new float[Rows * N];
        float[] tile = new float[Gemm.TileFloats];
        fixed (float* pa = a, pc = c, ptile = tile)
        {
            Gemm.Multiply(isa, pa, K, Rows, packed, 1, 2, pc, N, null, null, false, ptile);
        }

        for (int r = 0; r < Rows; r++)
        {
            for (int j = 0; j < N; j++)
            {
                bool inPanel = j >= PackedPanels.Width && j < 2 * PackedPanels.Width;
                Assert.Equal(inPanel, c[r * N + j] != 0f);
            }
        }
    }

    [Fact]
    public void Pack_ThenUnpack_RoundTripsAndZeroPadsTheLastPanel()
    {
        const int K = 13, N = 91;
        float[] kn = KernelTestData.RandomFloats(K * N, 7);
        PackedPanels packed = PackedPanels.Pack(kn, K, N);

        Assert.Equal(3, packed.Panels);
        Assert.Equal(kn, packed.Unpack());
        for (int row = 0; row < K; row++)
        {
            for (int j = N - 2 * PackedPanels.Width; j < PackedPanels.Width; j++)
            {
                Assert.Equal(0f, packed.Data[(2 * K + row) * PackedPanels.Width + j]);
            }
        }
    }

    [Fact]
    public void Pack_WrongLength_Throws() =>
        Assert.Throws<ArgumentException>(() => PackedPanels.Pack(new float[10], 3, 4));
}

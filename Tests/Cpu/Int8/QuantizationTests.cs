using System;
using Xception.Compiler.Runtime.Cpu.Int8;
using Xception.Compiler.Tests.Kernels;

namespace Xception.Compiler.Tests.Cpu.Int8;

/// <summary>The quantization formulas and the packed layout of <see cref="QuantizedPanels"/>.</summary>
public sealed class QuantizationTests
{
    [Fact]
    public void FromRange_CoversTheRangeAndRepresentsZeroExactly()
    {
        ActivationQuantization q = ActivationQuantization.FromRange(-0.5f, 6f);

        Assert.Equal(6.5f / 255f, q.Scale);
        Assert.Equal(20, q.ZeroPoint); // round(0.5 / (6.5 / 255)) = round(19.6)
        Assert.Equal((byte)20, q.Quantize(0f));
        Assert.Equal((byte)0, q.Quantize(-0.5f));
        Assert.Equal((byte)255, q.Quantize(6f));
        Assert.Equal((byte)255, q.Quantize(100f));
        Assert.Equal((byte)0, q.Quantize(-100f));
        Assert.Equal((byte)255, q.Quantize(3e38f)); // far past int range: still the top, not a wrapped conversion
        Assert.Equal((byte)0, q.Quantize(-3e38f));
    }

    [Fact]
    public void FromRange_PositiveOnly_WidensToZero()
    {
        ActivationQuantization q = ActivationQuantization.FromRange(1f, 2f);

        Assert.Equal(0, q.ZeroPoint);
        Assert.Equal(2f / 255f, q.Scale);
    }

    [Fact]
    public void Constructor_BadScaleOrZeroPoint_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationQuantization(0f, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationQuantization(float.NaN, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationQuantization(1f, 256));
        Assert.Throws<ArgumentException>(() => ActivationQuantization.FromRange(1f, float.PositiveInfinity));
    }

    [Fact]
    public void Quantize_Rows_PadsPastKWithTheZeroPoint()
    {
        var q = new ActivationQuantization(0.5f, 10);
        float[] x = { 1f, -1f, 2.2f, 9f, 0f, 0.25f };
        byte[] a = new byte[2 * 4];

        q.Quantize(x, 3, 2, 3, a, 4);

        Assert.Equal(new byte[] { 12, 8, 14, 10, 28, 10, 10, 10 }, a);
    }

    /// <summary>The vector path of the row quantizer (16 at a time) against the one-value formula, ties and clamps included.</summary>
    [Fact]
    public void Quantize_LongRows_EqualsTheOneValueFormula()
    {
        var q = new ActivationQuantization(0.25f, 40);
        const int Rows = 3, K = 53, Ldx = 60, Lda = 56;
        float[] x = KernelTestData.RandomFloats(Rows * Ldx, 9, -20f, 70f);
        for (int i = 0; i < x.Length; i += 7)
        {
            x[i] = MathF.Round(x[i] * 4f) / 4f + 0.125f; // exactly half a step: ties to even
        }

        byte[] a = new byte[Rows * Lda];
        q.Quantize(x, Ldx, Rows, K, a, Lda);

        int zeros = 0, tops = 0;
        for (int r = 0; r < Rows; r++)
        {
            for (int i = 0; i < Lda; i++)
            {
                byte expected = i < K ? q.Quantize(x[r * Ldx + i]) : (byte)40;
                Assert.True(expected == a[r * Lda + i], $"row {r} item {i}: {a[r * Lda + i]}, expected {expected} for {x[r * Ldx + i]:R}");
                zeros += a[r * Lda + i] == 0 ? 1 : 0;
                tops += a[r * Lda + i] == 255 ? 1 : 0;
            }
        }

        Assert.True(zeros > 0 && tops > 0, "the data should clamp at both ends");
    }

    [Fact]
    public unsafe void Pack_OddShape_HoldsRoundedWeightsInGroupsOfFourAndZeroPads()
    {
        const int K = 13, N = 40;
        float[] w = KernelTestData.RandomFloats(K * N, 5);
        var input = new ActivationQuantization(0.1f, 7);
        QuantizedPanels packed = QuantizedPanels.Pack(w, K, N, input);

        (int[] qw, double[] scales) = Int8ReferenceMath.QuantizeWeights(w, K, N);
        Assert.Equal(16, packed.PaddedK);
        Assert.Equal(2, packed.Panels);
        Assert.Equal(2 * 16 * 32, packed.Data.Length);
        Assert.Equal(0, (nint)packed.Pointer & 63);
        for (int j = 0; j < N; j++)
        {
            int sum = 0;
            for (int i = 0; i < K; i++)
            {
                // Byte i % 4 of channel j's int32 lane in group i / 4 of panel j / 32.
                int at = (j / 32 * 16 + i / 4 * 4) * 32 + j % 32 * 4 + i % 4;
                Assert.Equal(qw[i * N + j], packed.Data[at]);
                Assert.InRange(packed.Data[at], -63, 63);
                sum += qw[i * N + j];
            }

            for (int i = K; i < 16; i++)
            {
                Assert.Equal(0, packed.Data[(j / 32 * 16 + i / 4 * 4) * 32 + j % 32 * 4 + i % 4]);
            }

            Assert.Equal((float)scales[j], packed.WeightScales[j]);
            Assert.Equal(7 * sum, packed.Corrections[j]);
            Assert.Equal(0.1f * (float)scales[j], packed.OutputScales[j]);
        }

        for (int j = N; j < 64; j++)
        {
            Assert.Equal(0, packed.Corrections[j]);
            Assert.Equal(0f, packed.OutputScales[j]);
            for (int i = 0; i < 16; i++)
            {
                Assert.Equal(0, packed.Data[(16 + i / 4 * 4) * 32 + j % 32 * 4 + i % 4]);
            }
        }
    }

    [Fact]
    public void Pack_ZeroColumn_GetsScaleOneAndZeroWeights()
    {
        float[] w = { 0f, 0.5f, 0f, -2f };
        QuantizedPanels packed = QuantizedPanels.Pack(w, 2, 2, new ActivationQuantization(1f, 0));

        Assert.Equal(1f, packed.WeightScales[0]);
        Assert.Equal(0, packed.Weight(0, 0));
        Assert.Equal(0, packed.Weight(1, 0));
        Assert.Equal(16, packed.Weight(0, 1)); // round(0.5 / (2/63)) = round(15.75)
        Assert.Equal(-63, packed.Weight(1, 1));
    }

    [Fact]
    public void Pack_WrongLengthOrNaN_Throws()
    {
        var input = new ActivationQuantization(1f, 0);
        Assert.Throws<ArgumentException>(() => QuantizedPanels.Pack(new float[10], 3, 4, input));
        Assert.Throws<ArgumentException>(() => QuantizedPanels.Pack(new[] { float.NaN, 1f }, 1, 2, input));
    }
}

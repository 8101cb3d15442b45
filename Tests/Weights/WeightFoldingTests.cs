using System;
using System.Linq;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

public sealed class WeightFoldingTests
{
    private const float Epsilon = 1e-3f;

    private sealed record BatchNorm(float[] Gamma, float[] Beta, float[] Mean, float[] Variance)
    {
        public static BatchNorm Random(Random random, int channels) => new(
            Floats(random, channels, 0.5, 1.5),
            Floats(random, channels, -0.5, 0.5),
            Floats(random, channels, -1, 1),
            Floats(random, channels, 0.01, 2));

        public double Apply(double y, int c) => Gamma[c] * (y - Mean[c]) / Math.Sqrt(Variance[c] + 1e-3) + Beta[c];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FoldBatchNorm_Conv3x3ThenBn_MatchesFloat64Reference(bool withBias)
    {
        var random = new Random(11);
        const int h = 6, w = 5, cin = 3, cout = 4, k = 3;
        float[] x = Floats(random, h * w * cin, -1, 1);
        float[] kernel = Floats(random, k * k * cin * cout, -1, 1);
        float[]? bias = withBias ? Floats(random, cout, -1, 1) : null;
        BatchNorm bn = BatchNorm.Random(random, cout);

        (float[] foldedKernel, float[] foldedBias) = WeightFolding.FoldBatchNorm(kernel, cout, bias, bn.Gamma, bn.Beta, bn.Mean, bn.Variance, Epsilon);

        double worst = 0;
        for (int oy = 0; oy <= h - k; oy++)
        {
            for (int ox = 0; ox <= w - k; ox++)
            {
                for (int o = 0; o < cout; o++)
                {
                    double conv = bias?[o] ?? 0.0, folded = foldedBias[o];
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            for (int c = 0; c < cin; c++)
                            {
                                double xv = x[((oy + i) * w + ox + j) * cin + c];
                                int ki = ((i * k + j) * cin + c) * cout + o;
                                conv += xv * kernel[ki];
                                folded += xv * foldedKernel[ki];
                            }
                        }
                    }

                    worst = Math.Max(worst, Math.Abs(bn.Apply(conv, o) - folded));
                }
            }
        }

        Assert.InRange(worst, 0, 1e-5);
    }

    [Fact]
    public void FoldBatchNorm_DepthwiseKernelWithChannelsC_MatchesFloat64Reference()
    {
        var random = new Random(12);
        const int h = 4, w = 4, channels = 5, k = 3;
        float[] x = Floats(random, h * w * channels, -1, 1);
        float[] kernel = Floats(random, k * k * channels, -1, 1); // (3, 3, C, 1)
        BatchNorm bn = BatchNorm.Random(random, channels);

        (float[] foldedKernel, float[] foldedBias) = WeightFolding.FoldBatchNorm(kernel, channels, null, bn.Gamma, bn.Beta, bn.Mean, bn.Variance, Epsilon);

        for (int oy = 0; oy <= h - k; oy++)
        {
            for (int ox = 0; ox <= w - k; ox++)
            {
                for (int c = 0; c < channels; c++)
                {
                    double conv = 0, folded = foldedBias[c];
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            double xv = x[((oy + i) * w + ox + j) * channels + c];
                            conv += xv * kernel[(i * k + j) * channels + c];
                            folded += xv * foldedKernel[(i * k + j) * channels + c];
                        }
                    }

                    Assert.Equal(bn.Apply(conv, c), folded, 1e-5);
                }
            }
        }
    }

    [Fact]
    public void FoldBatchNorm_DenseKernelInOut_MatchesFloat64Reference()
    {
        var random = new Random(13);
        const int inputs = 7, outputs = 3;
        float[] x = Floats(random, inputs, -2, 2);
        float[] kernel = Floats(random, inputs * outputs, -1, 1);
        float[] bias = Floats(random, outputs, -1, 1);
        BatchNorm bn = BatchNorm.Random(random, outputs);

        (float[] foldedKernel, float[] foldedBias) = WeightFolding.FoldBatchNorm(kernel, outputs, bias, bn.Gamma, bn.Beta, bn.Mean, bn.Variance, Epsilon);

        for (int o = 0; o < outputs; o++)
        {
            double dense = bias[o], folded = foldedBias[o];
            for (int i = 0; i < inputs; i++)
            {
                dense += x[i] * (double)kernel[i * outputs + o];
                folded += x[i] * (double)foldedKernel[i * outputs + o];
            }

            Assert.Equal(bn.Apply(dense, o), folded, 1e-5);
        }
    }

    [Fact]
    public void FoldBatchNorm_DoesNotModifyInputsAndReturnsNewArrays()
    {
        var random = new Random(14);
        float[] kernel = Floats(random, 12, -1, 1);
        float[] bias = Floats(random, 4, -1, 1);
        BatchNorm bn = BatchNorm.Random(random, 4);
        float[][] before = new[] { kernel, bias, bn.Gamma, bn.Beta, bn.Mean, bn.Variance }.Select(a => (float[])a.Clone()).ToArray();

        (float[] foldedKernel, float[] foldedBias) = WeightFolding.FoldBatchNorm(kernel, 4, bias, bn.Gamma, bn.Beta, bn.Mean, bn.Variance, Epsilon);

        Assert.Equal(before, new[] { kernel, bias, bn.Gamma, bn.Beta, bn.Mean, bn.Variance });
        Assert.NotSame(kernel, foldedKernel);
        Assert.NotSame(bias, foldedBias);
        Assert.NotEqual(kernel, foldedKernel);
    }

    [Fact]
    public void FoldBatchNormInPlace_ScalesTheKernelItWasGiven_BitIdenticalToTheCopyingFold()
    {
        var random = new Random(15);
        float[] kernel = Floats(random, 3 * 3 * 5 * 7, -1, 1);
        float[] bias = Floats(random, 7, -1, 1);
        BatchNorm bn = BatchNorm.Random(random, 7);
        (float[] expectedKernel, float[] expectedBias) = WeightFolding.FoldBatchNorm(kernel, 7, bias, bn.Gamma, bn.Beta, bn.Mean, bn.Variance, Epsilon);

        float[] foldedBias = WeightFolding.FoldBatchNormInPlace(kernel, 7, bias, bn.Gamma, bn.Beta, bn.Mean, bn.Variance, Epsilon);

        Assert.Equal(expectedKernel, kernel);
        Assert.Equal(expectedBias, foldedBias);
    }

    [Fact]
    public void FoldBatchNormInPlace_RejectedArguments_LeaveTheKernelUnchanged()
    {
        var random = new Random(16);
        float[] kernel = Floats(random, 8, -1, 1);
        float[] before = (float[])kernel.Clone();

        var ex = Assert.Throws<ArgumentException>(() => WeightFolding.FoldBatchNormInPlace(
            kernel, 4, null, new float[4], new float[4], new float[5], new float[4], Epsilon));

        Assert.Equal("mean", ex.ParamName);
        Assert.Equal(before, kernel);
    }

    [Fact]
    public void FoldBatchNorm_BetaOfWrongLength_ThrowsNamingItAndBothLengths()
    {
        var ex = Assert.Throws<ArgumentException>(() => WeightFolding.FoldBatchNorm(
            new float[8], 4, null, new float[4], new float[3], new float[4], new float[4], Epsilon));

        Assert.Equal("beta", ex.ParamName);
        Assert.Contains("length 3", ex.Message);
        Assert.Contains("expected 4", ex.Message);
    }

    [Fact]
    public void FoldBatchNorm_KernelNotAMultipleOfChannels_ThrowsNamingKernel()
    {
        var ex = Assert.Throws<ArgumentException>(() => WeightFolding.FoldBatchNorm(
            new float[10], 4, null, new float[4], new float[4], new float[4], new float[4], Epsilon));

        Assert.Equal("kernel", ex.ParamName);
        Assert.Contains("10", ex.Message);
    }

    [Fact]
    public void BatchNormScaleShift_AppliedAsXTimesScalePlusShift_MatchesFloat64Bn()
    {
        var random = new Random(15);
        BatchNorm bn = BatchNorm.Random(random, 6);

        (float[] scale, float[] shift) = WeightFolding.BatchNormScaleShift(bn.Gamma, bn.Beta, bn.Mean, bn.Variance, Epsilon);

        foreach (double x in new[] { -3.0, -0.5, 0.0, 0.7, 4.0 })
        {
            for (int c = 0; c < 6; c++)
            {
                Assert.Equal(bn.Apply(x, c), x * scale[c] + shift[c], 1e-5);
            }
        }
    }

    [Fact]
    public void BatchNormScaleShift_VarianceOfWrongLength_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => WeightFolding.BatchNormScaleShift(new float[3], new float[3], new float[3], new float[2], Epsilon));

        Assert.Equal("variance", ex.ParamName);
    }

    private static float[] Floats(Random random, int count, double low, double high)
        => Enumerable.Range(0, count).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();
}

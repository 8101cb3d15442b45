using System;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Tests.Weights;

/// <summary>The scale and shift of Keras's preprocessing layers against their formulas in float64.</summary>
public sealed class PreprocessingFoldingTests
{
    [Fact]
    public void Rescaling_ScalarBroadcastsToEveryChannel_PerChannelListsKeepTheirOrder()
    {
        (float[] scale, float[] shift) = PreprocessingFolding.Rescaling(new[] { 1 / 127.5 }, new[] { -1.0 }, 3);
        Assert.Equal(new[] { (float)(1 / 127.5), (float)(1 / 127.5), (float)(1 / 127.5) }, scale);
        Assert.Equal(new[] { -1f, -1f, -1f }, shift);

        (scale, shift) = PreprocessingFolding.Rescaling(new[] { 1.0, 2.0 }, Array.Empty<double>(), 2);
        Assert.Equal(new[] { 1f, 2f }, scale);
        Assert.Equal(new[] { 0f, 0f }, shift);
    }

    [Fact]
    public void Normalization_MatchesKerasFormulaInFloat64_IncludingTheEpsilonFloorForZeroVariance()
    {
        double[] mean = { 120.5, 99.0, 140.25, 200.0 };
        double[] variance = { 3600.0, 2500.0, 4900.0, 0.0 };
        (float[] scale, float[] shift) = PreprocessingFolding.Normalization(mean, variance, 4);

        foreach (double x in new[] { 0.0, 17.0, 128.0, 255.0 })
        {
            for (int c = 0; c < 3; c++)
            {
                double expected = (x - mean[c]) / Math.Max(Math.Sqrt(variance[c]), 1e-7);
                Assert.True(Math.Abs(x * scale[c] + shift[c] - expected) < 1e-5, $"channel {c}, x {x}");
            }
        }

        Assert.Equal(1e7f, scale[3]);
        Assert.Equal(0f, 200f * scale[3] + shift[3]);
    }

    [Fact]
    public void AdaptedNormalization_FromDatasets_EqualsTheInlineForm_AndRejectsMismatchedLengths()
    {
        (float[] scale, float[] shift) = PreprocessingFolding.Normalization(new[] { 118.25f, 3f }, new[] { 4321.5f, 0.25f });
        (float[] inlineScale, float[] inlineShift) = PreprocessingFolding.Normalization(new[] { 118.25, 3.0 }, new[] { 4321.5, 0.25 }, 2);
        Assert.Equal(inlineScale, scale);
        Assert.Equal(inlineShift, shift);
        Assert.Equal(2f, scale[1]);
        Assert.Equal(-6f, shift[1]);

        var ex = Assert.Throws<ArgumentException>(() => PreprocessingFolding.Normalization(new[] { 1f, 2f }, new[] { 1f }));
        Assert.Contains("variance has length 1, expected 2", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => PreprocessingFolding.Rescaling(new[] { 1.0, 2.0 }, Array.Empty<double>(), 3));
        Assert.Contains("scale has 2 values, expected 1 or 3", ex.Message, StringComparison.Ordinal);
    }
}

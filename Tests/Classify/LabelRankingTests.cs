using System;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Tests.Models;

namespace Xception.Compiler.Tests.Classify;

/// <summary>
/// Top-k over a model's own labels, against orders worked out by hand; <see cref="TinyFlowers"/> is compiled into
/// this assembly from Tests/Models/TinyFlowers.xcs.json, whose labels are inline.
/// </summary>
public sealed class LabelRankingTests
{
    [Fact]
    public void CompiledModel_ExposesItsLabels_InOutputOrder()
    {
        Assert.Equal(new[] { "daisy", "dandelion", "roses", "sunflowers", "tulips" }, TinyFlowers.Labels);
        Assert.Equal(TinyFlowers.OutputLength, TinyFlowers.Labels.Count);
    }

    [Fact]
    public void TopK_HighestFirst_TiesKeepTheLowerIndexFirst()
    {
        // By hand: 0.40 (sunflowers, 3), then the tie 0.25 at 0 and 4 (daisy before tulips), then 0.10 (1, 2).
        RankedLabel[] top = TinyFlowers.TopK(new[] { 0.25f, 0.05f, 0.05f, 0.40f, 0.25f }, 3);

        Assert.Equal(
            new[] { new RankedLabel("sunflowers", 3, 0.40f), new RankedLabel("daisy", 0, 0.25f), new RankedLabel("tulips", 4, 0.25f) },
            top);
    }

    [Fact]
    public void TopK_KAboveTheClassCount_ReturnsEveryClass()
    {
        RankedLabel[] all = TinyFlowers.TopK(new[] { 0.1f, 0.2f, 0.3f, 0.15f, 0.25f }, 10);

        Assert.Equal(new[] { 2, 4, 1, 3, 0 }, Array.ConvertAll(all, r => r.Index));
    }

    [Fact]
    public void RankedLabel_PrintsNameAndTwoDecimals()
    {
        Assert.Equal("tulips 0.93", TinyFlowers.TopK(new[] { 0.01f, 0.02f, 0.03f, 0.01f, 0.93f }, 1)[0].ToString());
    }

    [Fact]
    public void TopK_WrongLengthOrK_ThrowsNamingWhatWasExpected()
    {
        var length = Assert.Throws<ArgumentException>(() => TinyFlowers.TopK(new float[10], 1));
        Assert.Contains("Expected one image's output of 5 values (one per label), but found 10", length.Message, StringComparison.Ordinal);
        var k = Assert.Throws<ArgumentOutOfRangeException>(() => TinyFlowers.TopK(new float[5], 0));
        Assert.Contains("Expected k to be at least 1, but found 0", k.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelRanking_TakesAnyLabelList()
    {
        RankedLabel[] top = LabelRanking.TopK(new[] { "cat", "dog" }, new[] { 0.3f, 0.7f }, 1);

        Assert.Equal(new RankedLabel("dog", 1, 0.7f), Assert.Single(top));
    }
}

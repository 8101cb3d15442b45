using System;
using System.IO;
using System.Linq;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

public sealed class ShapeTableTests
{
    [Fact]
    public void Keras2TopFixture_Extract_Has81WeightedLayersAndKeras2Layout()
    {
        ShapeTable table = ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras2Top));

        Assert.Equal(WeightFixtures.Keras2Top, table.Source);
        Assert.Equal("keras2", table.Layout);
        Assert.Equal("2.0.8", table.KerasVersion);
        Assert.Equal("tensorflow", table.Backend);
        Assert.Equal(134, table.LayerCount);
        Assert.Equal(81, table.Layers.Count);

        ShapeTableLayer first = table.Layers[0];
        Assert.Equal("block1_conv1", first.Name);
        Assert.Equal("block1_conv1/block1_conv1/kernel:0", Assert.Single(first.Weights).Path);
        Assert.Equal(new[] { 3, 3, 3, 4 }, first.Weights[0].Shape);
        Assert.Equal("float32", first.Weights[0].DType);

        Assert.Equal("conv2d_1", table.Layers[8].Name);
        ShapeTableLayer last = table.Layers[80];
        Assert.Equal("predictions", last.Name);
        Assert.Equal(new[] { "predictions/predictions/kernel:0", "predictions/predictions/bias:0" }, last.Weights.Select(w => w.Path));
        Assert.Equal(new[] { 256, 10 }, last.Weights[0].Shape);
        Assert.Equal(new[] { 10 }, last.Weights[1].Shape);
        Assert.Equal("Dense", last.KerasClass);
    }

    [Fact]
    public void Keras1TopFixture_Extract_HasOfficialNamesAndKeras1Layout()
    {
        ShapeTable table = ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras1Top));

        Assert.Equal("keras1", table.Layout);
        Assert.Null(table.KerasVersion);
        Assert.Null(table.Backend);
        Assert.Equal(134, table.LayerCount);
        Assert.Equal(81, table.Layers.Count);
        Assert.Equal("convolution2d_1/convolution2d_1_W:0", table.Layers[0].Weights[0].Path);
        Assert.Equal(
            new[]
            {
                "batchnormalization_1/batchnormalization_1_gamma:0", "batchnormalization_1/batchnormalization_1_beta:0",
                "batchnormalization_1/batchnormalization_1_running_mean:0", "batchnormalization_1/batchnormalization_1_running_std:0",
            },
            table.Layers[1].Weights.Select(w => w.Path));
        Assert.Equal(new[] { "gamma", "beta", "moving_mean", "moving_variance" }, table.Layers[1].Weights.Select(w => w.KerasVariable));
        Assert.Equal("convolution2d_3", table.Layers[8].Name);
        Assert.Equal("batchnormalization_36", table.Layers[75].Name);
        Assert.Equal("dense_2", table.Layers[80].Name);
        Assert.Equal(new[] { "dense_2/dense_2_W:0", "dense_2/dense_2_b:0" }, table.Layers[80].Weights.Select(w => w.Path));
    }

    [Fact]
    public void NotopFixture_Extract_Has80WeightedLayersEndingInLastBn()
    {
        ShapeTable table = ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras2Notop));

        Assert.Equal(132, table.LayerCount);
        Assert.Equal(80, table.Layers.Count);
        Assert.Equal("block1_conv1", table.Layers[0].Name);
        Assert.Equal("block14_sepconv2_bn", table.Layers[79].Name);
        Assert.Equal("BatchNormalization", table.Layers[79].KerasClass);
        Assert.Equal(new[] { 256 }, table.Layers[79].Weights[3].Shape);
    }

    [Fact]
    public void Keras1AndKeras2Fixtures_HaveTheSameShapesAndClassesAtEveryPosition()
    {
        ShapeTable keras2 = ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras2Top));
        ShapeTable keras1 = ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras1Top));

        Assert.Equal(keras2.Layers.Count, keras1.Layers.Count);
        for (int k = 0; k < keras2.Layers.Count; k++)
        {
            Assert.Equal(keras2.Layers[k].KerasClass, keras1.Layers[k].KerasClass);
            Assert.NotNull(keras1.Layers[k].KerasClass);
            Assert.Equal(keras2.Layers[k].Weights.Select(w => w.Shape), keras1.Layers[k].Weights.Select(w => w.Shape));
            Assert.Equal(keras2.Layers[k].Weights.Select(w => w.KerasVariable), keras1.Layers[k].Weights.Select(w => w.KerasVariable));
        }

        Assert.Equal(keras2.ParameterCount, keras1.ParameterCount);
    }

    [Fact]
    public void ToWeightTable_UsesKeras2VariableNamesAndClasses()
    {
        WeightTable table = ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras1Top)).ToWeightTable("Mini");

        Assert.Equal("Mini", table.ModelName);
        Assert.Equal("Conv2D", table.Layers[0].KerasClass);
        Assert.Equal("SeparableConv2D", table.Layers[4].KerasClass);
        Assert.Equal(new[] { "depthwise_kernel", "pointwise_kernel" }, table.Layers[4].Datasets.Select(d => d.Variable));
        Assert.Equal(new[] { "kernel", "bias" }, table.Layers[80].Datasets.Select(d => d.Variable));
        Assert.Equal("dense_2/dense_2_W:0", table.Layers[80].Datasets[0].FilePath);
    }

    [Theory]
    [InlineData(WeightFixtures.Keras2Top, "mini_xception_w0125_top10.shapes.json")]
    [InlineData(WeightFixtures.Keras1Top, "mini_xception_w0125_top10_keras1.shapes.json")]
    [InlineData(WeightFixtures.Keras2Notop, "mini_xception_w0125_notop.shapes.json")]
    public void CommittedFixtureShapeTable_EqualsExtractedJsonByteForByte(string h5, string json)
    {
        string extracted = ShapeTable.Extract(WeightFixtures.Path(h5)).ToJson();

        Assert.Equal(File.ReadAllText(WeightFixtures.Path(json)), extracted);
    }

    [Fact]
    public void ToJson_ThenParse_RoundTripsToTheSameText()
    {
        ShapeTable table = ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras2Top));
        string json = table.ToJson();

        ShapeTable parsed = ShapeTable.Parse(json);

        Assert.Equal(json, parsed.ToJson());
        Assert.Equal(table.Source, parsed.Source);
        Assert.Equal(table.KerasVersion, parsed.KerasVersion);
        Assert.Equal(table.Layers[80].Weights[0].Shape, parsed.Layers[80].Weights[0].Shape);
        Assert.Equal(table.ParameterCount, parsed.ParameterCount);
    }

    [Fact]
    public void ToJson_WritesOneDatasetPerLineWithFixedHeader()
    {
        string json = ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras1Top)).ToJson();
        string[] lines = json.Split('\n');

        Assert.DoesNotContain('\r', json);
        Assert.Equal("{", lines[0]);
        Assert.Equal("  \"format\": \"xcs-shapes/1\",", lines[1]);
        Assert.Equal("  \"source\": \"mini_xception_w0125_top10_keras1.h5\",", lines[2]);
        Assert.Equal("  \"layout\": \"keras1\",", lines[3]);
        Assert.Equal("  \"keras_version\": null,", lines[4]);
        Assert.Equal("  \"backend\": null,", lines[5]);
        Assert.Equal("  \"layer_count\": 134,", lines[6]);
        Assert.Equal("  \"layers\": [", lines[7]);
        Assert.Equal("    { \"name\": \"convolution2d_1\", \"weights\": [", lines[8]);
        Assert.Equal("      { \"path\": \"convolution2d_1/convolution2d_1_W:0\", \"shape\": [3, 3, 3, 4], \"dtype\": \"float32\" }", lines[9]);
        Assert.Equal("    ] },", lines[10]);
        int datasets = ShapeTable.Parse(json).Layers.Sum(l => l.Weights.Count);
        Assert.Equal(datasets, lines.Count(l => l.StartsWith("      { \"path\": ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Parse_OtherFormat_ThrowsFormatException()
    {
        var ex = Assert.Throws<FormatException>(() => ShapeTable.Parse("{ \"format\": \"xcs-shapes/2\", \"layers\": [] }"));

        Assert.Contains("xcs-shapes/2", ex.Message);
        Assert.Throws<FormatException>(() => ShapeTable.Parse("{ \"format\": "));
    }

    [Fact]
    public void ReadShapeTable_IsTheSameAsExtract()
    {
        string path = WeightFixtures.Path(WeightFixtures.Keras2Notop);

        Assert.Equal(ShapeTable.Extract(path).ToJson(), KerasWeightFile.ReadShapeTable(path).ToJson());
    }
}

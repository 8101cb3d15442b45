using System.IO;
using System.Linq;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

/// <summary>
/// The committed shape tables of the official v0.4 files (produced from full-size Keras-1-layout files written by
/// shared/fixtures/tools/make_keras_h5.py) checked against the facts in fixtures/KERAS_H5_LAYOUT.md §4 and §5.
/// </summary>
public sealed class OfficialShapeTableTests
{
    private static ShapeTable Committed(string name)
        => ShapeTable.Parse(File.ReadAllText(Path.Combine(WeightFixtures.RepositoryRoot(), name)));

    [Fact]
    public void TopTable_Has81WeightedLayersOfTheDocumentedClassesAndParameterCount()
    {
        ShapeTable table = Committed("xception_weights_tf_dim_ordering_tf_kernels.shapes.json");

        Assert.Equal("xception_weights_tf_dim_ordering_tf_kernels.h5", table.Source);
        Assert.Equal("keras1", table.Layout);
        Assert.Null(table.KerasVersion);
        Assert.Equal(134, table.LayerCount);
        Assert.Equal(81, table.Layers.Count);
        Assert.Equal(6, table.Layers.Count(l => l.KerasClass == "Conv2D"));
        Assert.Equal(34, table.Layers.Count(l => l.KerasClass == "SeparableConv2D"));
        Assert.Equal(40, table.Layers.Count(l => l.KerasClass == "BatchNormalization"));
        Assert.Equal(1, table.Layers.Count(l => l.KerasClass == "Dense"));
        Assert.Equal(22_910_480, table.ParameterCount);
        Assert.All(table.Layers.SelectMany(l => l.Weights), w => Assert.Equal("float32", w.DType));
    }

    [Fact]
    public void TopTable_HasOfficialNamesAtDocumentedPositions()
    {
        ShapeTable table = Committed("xception_weights_tf_dim_ordering_tf_kernels.shapes.json");

        Assert.Equal("convolution2d_1", table.Layers[0].Name);
        Assert.Equal(new[] { 3, 3, 3, 32 }, table.Layers[0].Weights[0].Shape);
        Assert.Equal("separableconvolution2d_1", table.Layers[4].Name);
        Assert.Equal(new[] { 3, 3, 64, 1 }, table.Layers[4].Weights[0].Shape);
        Assert.Equal(new[] { 1, 1, 64, 128 }, table.Layers[4].Weights[1].Shape);
        Assert.Equal("convolution2d_3", table.Layers[8].Name); // W#9
        Assert.Equal("convolution2d_3/convolution2d_3_W:0", table.Layers[8].Weights[0].Path);
        Assert.Equal(new[] { 1, 1, 64, 128 }, table.Layers[8].Weights[0].Shape);
        Assert.Equal("batchnormalization_3", table.Layers[9].Name); // W#10
        Assert.Equal("batchnormalization_36", table.Layers[75].Name); // W#76
        Assert.Equal(new[] { 1024 }, table.Layers[75].Weights[0].Shape);

        ShapeTableLayer dense = table.Layers[80];
        Assert.Equal("dense_2", dense.Name);
        Assert.Equal(new[] { "dense_2/dense_2_W:0", "dense_2/dense_2_b:0" }, dense.Weights.Select(w => w.Path));
        Assert.Equal(new[] { 2048, 1000 }, dense.Weights[0].Shape);
        Assert.Equal(new[] { 1000 }, dense.Weights[1].Shape);
    }

    [Fact]
    public void NotopTable_IsTheTopTableWithoutDense()
    {
        ShapeTable top = Committed("xception_weights_tf_dim_ordering_tf_kernels.shapes.json");
        ShapeTable notop = Committed("xception_weights_tf_dim_ordering_tf_kernels_notop.shapes.json");

        Assert.Equal("xception_weights_tf_dim_ordering_tf_kernels_notop.h5", notop.Source);
        Assert.Equal(132, notop.LayerCount);
        Assert.Equal(80, notop.Layers.Count);
        Assert.Equal(20_861_480, notop.ParameterCount);
        Assert.Equal(0, notop.Layers.Count(l => l.KerasClass == "Dense"));
        Assert.Equal("batchnormalization_40", notop.Layers[79].Name);
        for (int k = 0; k < 80; k++)
        {
            Assert.Equal(top.Layers[k].Name, notop.Layers[k].Name);
            Assert.Equal(top.Layers[k].Weights.Select(w => w.Path), notop.Layers[k].Weights.Select(w => w.Path));
            Assert.Equal(top.Layers[k].Weights.Select(w => w.Shape), notop.Layers[k].Weights.Select(w => w.Shape));
        }
    }

    [Fact]
    public void TopTable_ShapesMatchTheMiniFixtureScaledByEight()
    {
        // The mini model is Xception with every width ×0.125 (728 → 91), in the same order.
        ShapeTable official = Committed("xception_weights_tf_dim_ordering_tf_kernels.shapes.json");
        ShapeTable mini = ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras1Top));

        for (int k = 0; k < 80; k++)
        {
            Assert.Equal(mini.Layers[k].Name, official.Layers[k].Name);
            for (int d = 0; d < official.Layers[k].Weights.Count; d++)
            {
                int[] big = official.Layers[k].Weights[d].Shape;
                int[] small = mini.Layers[k].Weights[d].Shape;
                Assert.Equal(big.Length, small.Length);
                for (int i = 0; i < big.Length; i++)
                {
                    int expected = big[i] is 1 or 3 ? big[i] : big[i] == 728 ? 91 : big[i] / 8;
                    Assert.Equal(expected, small[i]);
                }
            }
        }
    }
}

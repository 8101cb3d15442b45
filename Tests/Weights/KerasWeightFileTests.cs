using System;
using System.Linq;
using PureHDF;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

public sealed class KerasWeightFileTests
{
    [Fact]
    public void Keras2AndKeras1Fixtures_LoadByOrder_GiveBitIdenticalArrays()
    {
        WeightTable table = WeightFixtures.TableOf(WeightFixtures.Keras2Top);

        LoadedWeights keras2 = KerasWeightFile.Load(WeightFixtures.Path(WeightFixtures.Keras2Top), table);
        LoadedWeights keras1 = KerasWeightFile.Load(WeightFixtures.Path(WeightFixtures.Keras1Top), table);

        Assert.Equal(81, keras2.LayerCount);
        Assert.Equal(81, keras1.LayerCount);
        long values = 0;
        for (int k = 0; k < table.Layers.Count; k++)
        {
            Assert.Equal(table.Layers[k].Datasets.Count, keras1.DatasetCount(k));
            for (int d = 0; d < keras2.DatasetCount(k); d++)
            {
                float[] a = keras2[k, d];
                float[] b = keras1[k, d];
                Assert.Equal(table.Layers[k].Datasets[d].ElementCount, a.Length);
                Assert.True(
                    a.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToInt32Bits)),
                    $"layer {k} ({table.Layers[k].LayerName} / {keras1.FileLayerNames[k]}) dataset {d} differs");
                values += a.Length;
            }
        }

        Assert.Equal(table.Layers.Sum(l => l.Datasets.Sum(d => d.ElementCount)), values);
        Assert.Equal("convolution2d_3", keras1.FileLayerNames[8]);
        Assert.Equal("conv2d_1", keras2.FileLayerNames[8]);
    }

    [Fact]
    public void Take_HandsOverTheArrayOnce_ThenNamesTheLayerWhenAskedAgain()
    {
        string path = WeightFixtures.Path(WeightFixtures.Keras2Top);
        LoadedWeights weights = KerasWeightFile.Load(path, WeightFixtures.TableOf(WeightFixtures.Keras2Top));
        float[] viaIndexer = weights[0, 0];

        float[] taken = weights.Take(0, 0);

        Assert.Same(viaIndexer, taken);
        var again = Assert.Throws<InvalidOperationException>(() => weights.Take(0, 0));
        Assert.Contains(weights.Table.Layers[0].LayerName, again.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => weights[0, 0]);
        Assert.NotNull(weights[1, 0]);
    }

    [Fact]
    public void Keras1ShapeTable_AsWeightTable_LoadsKeras2File()
    {
        WeightTable keras1Table = WeightFixtures.TableOf(WeightFixtures.Keras1Top);
        Assert.Equal("convolution2d_1", keras1Table.Layers[0].LayerName);

        LoadedWeights weights = KerasWeightFile.Load(WeightFixtures.Path(WeightFixtures.Keras2Top), keras1Table);

        Assert.Equal(81, weights.LayerCount);
        Assert.Equal("block1_conv1", weights.FileLayerNames[0]);
        Assert.Equal("predictions", weights.FileLayerNames[80]);
        Assert.Same(keras1Table, weights.Table);
    }

    [Fact]
    public void Keras2Fixture_LoadedValues_EqualDatasetsReadDirectlyInWeightNamesOrder()
    {
        string path = WeightFixtures.Path(WeightFixtures.Keras2Top);
        LoadedWeights weights = KerasWeightFile.Load(path, WeightFixtures.TableOf(WeightFixtures.Keras2Top));

        using var file = H5File.OpenRead(path);
        Assert.Equal(file.Dataset("block1_conv1/block1_conv1/kernel:0").Read<float[]>(), weights[0, 0]);
        Assert.Equal(file.Dataset("block1_conv1_bn/block1_conv1_bn/moving_variance:0").Read<float[]>(), weights[1, 3]);
        Assert.Equal(file.Dataset("block2_sepconv1/block2_sepconv1/pointwise_kernel:0").Read<float[]>(), weights[4, 1]);
        Assert.Equal(file.Dataset("predictions/predictions/bias:0").Read<float[]>(), weights[80, 1]);
        Assert.Contains(weights[1, 3], v => v != 0f);
    }

    [Fact]
    public void Keras1Fixture_RunningStd_IsLoadedAsMovingVariance()
    {
        string path = WeightFixtures.Path(WeightFixtures.Keras1Top);
        LoadedWeights weights = KerasWeightFile.Load(path, WeightFixtures.TableOf(WeightFixtures.Keras2Top));

        using var file = H5File.OpenRead(path);
        float[] runningStd = file.Dataset("batchnormalization_1/batchnormalization_1_running_std:0").Read<float[]>();
        Assert.Equal(runningStd, weights[1, 3]);
        Assert.All(runningStd, v => Assert.True(v > 0f));
    }

    [Fact]
    public void NotopFile_IntoTopTable_FailsWithCountAndNotopHint()
    {
        string path = WeightFixtures.Path(WeightFixtures.Keras2Notop);
        WeightTable top = WeightFixtures.TableOf(WeightFixtures.Keras2Top);

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, top));

        Assert.Equal(path, ex.FilePath);
        Assert.Contains("expected 81 layers with weights (model 'MiniXception'), found 80", ex.Message);
        Assert.Contains("notop", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void TopFile_IntoNotopTable_FailsWithCountAndIncludeTopHint()
    {
        WeightTable notop = WeightFixtures.TableOf(WeightFixtures.Keras2Notop);

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(WeightFixtures.Path(WeightFixtures.Keras1Top), notop));

        Assert.Contains("expected 80 layers with weights", ex.Message);
        Assert.Contains("found 81", ex.Message);
        Assert.Contains("include_top", ex.Message);
    }

    [Fact]
    public void TableWithWrongShape_FailsNamingLayerDatasetAndBothShapes()
    {
        WeightTable table = WeightFixtures.TableOf(WeightFixtures.Keras2Top);
        WeightLayer residual = table.Layers[8];
        var wrong = new WeightLayer(residual.LayerName, residual.KerasClass, residual.FileLayerName, new[]
        {
            residual.Datasets[0] with { Shape = new[] { 1, 1, 8, 17 } },
        });
        var broken = table with { Layers = table.Layers.Select((l, i) => i == 8 ? wrong : l).ToArray() };

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(WeightFixtures.Path(WeightFixtures.Keras1Top), broken));

        Assert.Equal(
            $"Weight file '{WeightFixtures.Path(WeightFixtures.Keras1Top)}': layer 9 of 81 with weights ('conv2d_1', file layer 'convolution2d_3'), "
            + "dataset 'convolution2d_3/convolution2d_3_W:0': expected shape (1, 1, 8, 17) (kernel), found (1, 1, 8, 16).",
            ex.Message);
        Assert.Equal("convolution2d_3", ex.LayerName);
        Assert.Equal("convolution2d_3/convolution2d_3_W:0", ex.DatasetPath);
    }

    [Fact]
    public void TableWithFewerDatasets_FailsListingWeightNames()
    {
        WeightTable table = WeightFixtures.TableOf(WeightFixtures.Keras2Top);
        WeightLayer bn = table.Layers[1];
        var broken = table with
        {
            Layers = table.Layers.Select((l, i) => i == 1 ? bn with { Datasets = bn.Datasets.Take(3).ToArray() } : l).ToArray(),
        };

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(WeightFixtures.Path(WeightFixtures.Keras2Top), broken));

        Assert.Contains("layer 2 of 81 with weights ('block1_conv1_bn', file layer 'block1_conv1_bn'): expected 3 datasets", ex.Message);
        Assert.Contains("'weight_names' lists 4", ex.Message);
        Assert.Contains("'block1_conv1_bn/moving_variance:0'", ex.Message);
        Assert.Equal("block1_conv1_bn", ex.LayerName);
    }

    [Fact]
    public void LoadedWeights_IndexOutOfRange_ThrowsArgumentOutOfRange()
    {
        LoadedWeights weights = KerasWeightFile.Load(WeightFixtures.Path(WeightFixtures.Keras2Notop), WeightFixtures.TableOf(WeightFixtures.Keras2Notop));

        Assert.Equal(80, weights.LayerCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => weights[80, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => weights[0, 1]);
    }
}

using System;
using System.IO;
using System.Linq;
using PureHDF;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

/// <summary>
/// One small nested model (Tests/Fixtures/tools/make_keras_formats.py) in every layout Keras users save: each
/// must load exactly the float32 values of the plain legacy <c>save_weights</c> file the same tool wrote.
/// </summary>
public sealed class KerasFormatsTests
{
    /// <summary>The seven weighted layers, flattened in Keras's order (the base's layers, then the head).</summary>
    private static readonly string[] NestedLayerNames =
    {
        "mini_base/block1_conv1", "mini_base/block1_conv1_bn", "mini_base/block2_sepconv1", "mini_base/block2_sepconv1_bn",
        "mini_base/conv2d_7", "mini_base/batch_normalization_3", "predictions",
    };

    internal static string Fixture(string name) => WeightFixtures.Path(Path.Combine("keras_formats", name));

    internal static WeightTable FlatTable() => ShapeTable.Extract(Fixture("flat_weights.h5")).ToWeightTable("Nested");

    /// <summary>The flat table with each dataset's path taken from a Keras 3 shape table (as the importer writes it).</summary>
    internal static WeightTable Keras3Table()
    {
        WeightTable flat = FlatTable();
        ShapeTable keras3 = ShapeTable.Extract(Fixture("nested.keras"));
        return new WeightTable("Nested", flat.Layers.Select((l, k) => l with
        {
            Datasets = l.Datasets.Select((d, i) => d with { FilePath = keras3.Layers[k].Weights[i].Path }).ToArray(),
        }).ToArray());
    }

    [Fact]
    public void FlatReference_HoldsTheValuesThePythonToolWrote()
    {
        LoadedWeights reference = KerasWeightFile.Load(Fixture("flat_weights.h5"), FlatTable());

        using var file = H5File.OpenRead(Fixture("flat_weights.h5"));
        Assert.Equal(file.Dataset("block2_sepconv1/block2_sepconv1/pointwise_kernel:0").Read<float[]>(), reference[2, 1]);
        Assert.Equal(7, reference.LayerCount);
        // The tool clears the low 16 bits of every value, so that the bfloat16 file holds the same numbers.
        Assert.All(Enumerable.Range(0, 7).SelectMany(k => Enumerable.Range(0, reference.DatasetCount(k)).SelectMany(d => reference[k, d])),
            v => Assert.Equal(0, BitConverter.SingleToInt32Bits(v) & 0xFFFF));
    }

    [Theory]
    [InlineData("nested_full.h5")]
    [InlineData("nested_partly_frozen.h5")]
    [InlineData("flat_chunked.h5")]
    [InlineData("nested.keras")]
    [InlineData("nested_sequential.keras")]
    public void EveryLayout_LoadsByOrder_BitIdenticalToThePlainSaveWeightsFile(string fileName)
    {
        WeightTable table = FlatTable();
        LoadedWeights reference = KerasWeightFile.Load(Fixture("flat_weights.h5"), table);

        LoadedWeights loaded = KerasWeightFile.Load(Fixture(fileName), table);

        AssertSameValues(reference, loaded, fileName);
    }

    [Theory]
    [InlineData("nested_full.h5")]
    [InlineData("nested_partly_frozen.h5")]
    public void FullModelNestedBase_IsFlattenedIntoItsInnerLayersInKerasOrder(string fileName)
    {
        ShapeTable table = ShapeTable.Extract(Fixture(fileName));

        Assert.Equal(NestedLayerNames, table.Layers.Select(l => l.Name));
        Assert.Equal("keras2", table.Layout);
        Assert.Equal("2.9.0", table.KerasVersion);
        Assert.Equal(5, table.LayerCount);
        Assert.Equal(
            new[] { "gamma", "beta", "moving_mean", "moving_variance" }.Select(v => "model_weights/mini_base/block1_conv1_bn/" + v + ":0"),
            table.Layers[1].Weights.Select(w => w.Path));
        Assert.Equal("BatchNormalization", table.Layers[1].KerasClass);
        Assert.Equal("SeparableConv2D", table.Layers[2].KerasClass);
    }

    [Fact]
    public void ChunkedLayerNames_AreConcatenatedInChunkOrder()
    {
        using (var file = H5File.OpenRead(Fixture("flat_chunked.h5")))
        {
            Assert.False(file.AttributeExists("layer_names"));
            Assert.True(file.AttributeExists("layer_names1"));
        }

        ShapeTable table = ShapeTable.Extract(Fixture("flat_chunked.h5"));

        Assert.Equal(12 + 16, table.LayerCount);
        Assert.Equal(NestedLayerNames.Select(n => n.Split('/')[^1]), table.Layers.Select(l => l.Name));
    }

    [Fact]
    public void KerasArchive_ShapeTable_AddressesLayersByClassOrdinalNotName()
    {
        ShapeTable table = ShapeTable.Extract(Fixture("nested.keras"));

        Assert.Equal("keras3", table.Layout);
        Assert.Equal("3.6.0", table.KerasVersion);
        Assert.Equal(NestedLayerNames, table.Layers.Select(l => l.Name));
        Assert.Equal("layers/functional/layers/conv2d/vars/0", table.Layers[0].Weights[0].Path);
        Assert.Equal(
            new[] { "0", "1", "2", "3" }.Select(i => "layers/functional/layers/batch_normalization/vars/" + i),
            table.Layers[1].Weights.Select(w => w.Path));
        // conv2d_7 is the second Conv2D of the base and batch_normalization_3 its third BatchNormalization.
        Assert.Equal("layers/functional/layers/conv2d_1/vars/0", table.Layers[4].Weights[0].Path);
        Assert.Equal("layers/functional/layers/batch_normalization_2/vars/3", table.Layers[5].Weights[3].Path);
        Assert.Equal(new[] { "layers/dense/vars/0", "layers/dense/vars/1" }, table.Layers[6].Weights.Select(w => w.Path));
        Assert.Equal(new[] { 1, 1, 4, 8 }, table.Layers[2].Weights[1].Shape);
        Assert.Equal(13, table.LayerCount);
    }

    [Fact]
    public void Keras3WeightsWithToJsonConfig_GivesTheArchivesTable_AndLoadsByTheTablesPaths()
    {
        string config = File.ReadAllText(Fixture("nested.json"));
        ShapeTable fromArchive = ShapeTable.Extract(Fixture("nested.keras"));

        ShapeTable withConfig = ShapeTable.Extract(Fixture("nested.weights.h5"), config);
        LoadedWeights loaded = KerasWeightFile.Load(Fixture("nested.weights.h5"), Keras3Table());

        Assert.Equal(fromArchive.Layers.SelectMany(l => l.Weights.Select(w => w.Path)), withConfig.Layers.SelectMany(l => l.Weights.Select(w => w.Path)));
        Assert.Equal(NestedLayerNames, withConfig.Layers.Select(l => l.Name));
        AssertSameValues(KerasWeightFile.Load(Fixture("flat_weights.h5"), FlatTable()), loaded, "nested.weights.h5");
    }

    [Fact]
    public void FlatKeras3WeightsWithoutConfig_LoadsByClassOrdinalsOfTheTable()
    {
        WeightTable table = FlatTable();

        LoadedWeights loaded = KerasWeightFile.Load(Fixture("flat.weights.h5"), table);

        AssertSameValues(KerasWeightFile.Load(Fixture("flat_weights.h5"), table), loaded, "flat.weights.h5");
        Assert.Equal("layers/batch_normalization_2", loaded.FileLayerNames[5]);
    }

    [Fact]
    public void BFloat16Variables_AreWidenedExactly()
    {
        ShapeTable table = ShapeTable.Extract(Fixture("nested_bf16.weights.h5"), File.ReadAllText(Fixture("nested.json")));

        LoadedWeights loaded = KerasWeightFile.Load(Fixture("nested_bf16.weights.h5"), Keras3Table());

        Assert.All(table.Layers.SelectMany(l => l.Weights), w => Assert.Equal("bfloat16", w.DType));
        AssertSameValues(KerasWeightFile.Load(Fixture("flat_weights.h5"), FlatTable()), loaded, "nested_bf16.weights.h5");
    }

    [Fact]
    public void BFloat16_IsTheTopHalfOfAFloat32()
    {
        byte[] bytes = { 0x80, 0x3F, 0x49, 0xC0, 0x80, 0x7F, 0x01, 0x00 };

        float[] values = BFloat16.ToSingle(bytes);

        Assert.Equal(new[] { 1f, -3.140625f, float.PositiveInfinity, BitConverter.Int32BitsToSingle(0x00010000) }, values);
    }

    [Fact]
    public void PartlyFrozenBase_WithoutConfigOrder_WouldPairTheWrongLayers()
    {
        // Keras lists a frozen inner layer's variables behind every trainable one; the file's model_config
        // puts block1_conv1_bn back in second place. Checked here on the raw weight_names, as Keras wrote them.
        using var file = H5File.OpenRead(Fixture("nested_partly_frozen.h5"));
        string[] names = file.Group("model_weights/mini_base").Attribute("weight_names").Read<string[]>();

        Assert.Equal("block2_sepconv1/depthwise_kernel:0", names[1].TrimEnd('\0'));
        Assert.Equal("mini_base/block1_conv1_bn", ShapeTable.Extract(Fixture("nested_partly_frozen.h5")).Layers[1].Name);
    }

    internal static void AssertSameValues(LoadedWeights expected, LoadedWeights actual, string what)
    {
        Assert.Equal(expected.LayerCount, actual.LayerCount);
        for (int k = 0; k < expected.LayerCount; k++)
        {
            Assert.Equal(expected.DatasetCount(k), actual.DatasetCount(k));
            for (int d = 0; d < expected.DatasetCount(k); d++)
            {
                Assert.True(
                    expected[k, d].Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual[k, d].Select(BitConverter.SingleToInt32Bits)),
                    what + ": layer " + k + " (" + actual.FileLayerNames[k] + ") dataset " + d + " differs");
            }
        }
    }
}

using System;
using System.IO;
using System.Linq;
using PureHDF;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

public sealed class SyntheticWeightsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void WriteKeras2File_MiniTable_LoadsBackWithSameShapesAndKeras2Structure()
    {
        WeightTable table = WeightFixtures.TableOf(WeightFixtures.Keras2Top);
        string path = _temp.File("synthetic.h5");

        SyntheticWeights.WriteKeras2File(path, table, seed: 3);
        LoadedWeights weights = KerasWeightFile.Load(path, table);
        ShapeTable shapes = ShapeTable.Extract(path);

        Assert.Equal(81, weights.LayerCount);
        Assert.Equal("keras2", shapes.Layout);
        Assert.Equal("2.0.8", shapes.KerasVersion);
        Assert.Equal("tensorflow", shapes.Backend);
        Assert.Equal(81, shapes.LayerCount);
        Assert.Equal(table.Layers.Select(l => l.LayerName), shapes.Layers.Select(l => l.Name));
        Assert.Equal("block1_conv1_bn/block1_conv1_bn/moving_variance:0", shapes.Layers[1].Weights[3].Path);
        for (int k = 0; k < table.Layers.Count; k++)
        {
            Assert.Equal(table.Layers[k].Datasets.Select(d => d.Shape), shapes.Layers[k].Weights.Select(w => w.Shape));
            Assert.Equal(table.Layers[k].KerasClass, shapes.Layers[k].KerasClass);
        }
    }

    [Fact]
    public void WriteKeras2File_ValuesReadBack_EqualWhatPureHdfStored()
    {
        WeightTable table = WeightFixtures.TableOf(WeightFixtures.Keras2Notop);
        string path = _temp.File("synthetic.h5");

        SyntheticWeights.WriteKeras2File(path, table, seed: 5);
        LoadedWeights weights = KerasWeightFile.Load(path, table);

        using var file = H5File.OpenRead(path);
        Assert.Equal(table.Layers.Select(l => l.LayerName), file.Attribute("layer_names").Read<string[]>());
        Assert.Equal(new[] { "block1_conv1/kernel:0" }, file.Group("block1_conv1").Attribute("weight_names").Read<string[]>());
        Assert.Equal(file.Dataset("block1_conv1/block1_conv1/kernel:0").Read<float[]>(), weights[0, 0]);
        Assert.Equal(file.Dataset("block14_sepconv2_bn/block14_sepconv2_bn/beta:0").Read<float[]>(), weights[79, 1]);
    }

    [Fact]
    public void WriteKeras2File_SameSeed_GivesIdenticalValues_OtherSeedDiffers()
    {
        WeightTable table = WeightFixtures.TableOf(WeightFixtures.Keras2Notop);
        string a = _temp.File("a.h5"), b = _temp.File("b.h5"), c = _temp.File("c.h5");

        SyntheticWeights.WriteKeras2File(a, table, seed: 7);
        SyntheticWeights.WriteKeras2File(b, table, seed: 7);
        SyntheticWeights.WriteKeras2File(c, table, seed: 8);
        LoadedWeights wa = KerasWeightFile.Load(a, table), wb = KerasWeightFile.Load(b, table), wc = KerasWeightFile.Load(c, table);

        for (int k = 0; k < table.Layers.Count; k++)
        {
            for (int d = 0; d < wa.DatasetCount(k); d++)
            {
                Assert.Equal(wa[k, d], wb[k, d]);
            }
        }

        Assert.NotEqual(wa[0, 0], wc[0, 0]);
        Assert.Equal(new[] { "a.h5", "b.h5", "c.h5" }, Directory.GetFiles(_temp.FullName).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void WriteKeras2File_Values_HaveTheDocumentedRangesAndScales()
    {
        WeightTable table = WeightFixtures.TableOf(WeightFixtures.Keras2Top);
        string path = _temp.File("synthetic.h5");

        SyntheticWeights.WriteKeras2File(path, table, seed: 1);
        LoadedWeights weights = KerasWeightFile.Load(path, table);

        float[] all(string variable) => Enumerable.Range(0, table.Layers.Count)
            .SelectMany(k => Enumerable.Range(0, weights.DatasetCount(k)).Where(d => table.Layers[k].Datasets[d].Variable == variable).SelectMany(d => weights[k, d]))
            .ToArray();
        Assert.All(all("gamma"), v => Assert.InRange(v, 0.8f, 1.2f));
        Assert.All(all("moving_variance"), v => Assert.InRange(v, 0.5f, 1.5f));
        Assert.InRange(Std(all("moving_mean")), 0.08, 0.12);
        Assert.InRange(Std(all("depthwise_kernel")), 0.3, 0.37);
        Assert.InRange(Std(all("bias")), 0.02, 0.08);

        // block4_sepconv1 pointwise 1×1×32×91: 0.65·√(2/32) ≈ 0.1625; dense kernel 256×10: 4/√256 = 0.25.
        int pointwise = table.Layers.ToList().FindIndex(l => l.LayerName == "block4_sepconv1");
        Assert.InRange(Std(weights[pointwise, 1]), 0.15, 0.175);
        Assert.InRange(Std(weights[80, 0]), 0.23, 0.27);
        Assert.All(Enumerable.Range(0, 81).SelectMany(k => Enumerable.Range(0, weights.DatasetCount(k)).SelectMany(d => weights[k, d])), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void WriteKeras2File_UnknownVariable_ThrowsArgumentException()
    {
        var table = new WeightTable("Bad", new[]
        {
            new WeightLayer("conv", "Conv2D", "conv", new[] { new WeightDataset("W", "conv/conv_W:0", new[] { 1, 1, 1, 1 }) }),
        });

        var ex = Assert.Throws<ArgumentException>(() => SyntheticWeights.WriteKeras2File(_temp.File("bad.h5"), table, 1));

        Assert.Contains("'W'", ex.Message);
        Assert.Empty(Directory.GetFiles(_temp.FullName));
    }

    private static double Std(float[] values)
    {
        double mean = values.Average(v => (double)v);
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }

    [Fact]
    public void RandomInput_FollowsTheSplitMix64DefinitionInMinusOneToOne()
    {
        float[] values = SyntheticWeights.RandomInput(1000, seed: 42);

        // SplitMix64 written out from its definition (Steele, Lea, Flood 2014), 24 high bits per value.
        ulong state = 42;
        for (int i = 0; i < values.Length; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            double expected = (z >> 40) / (double)(1UL << 24) * 2.0 - 1.0;
            Assert.Equal((float)expected, values[i]);
            Assert.InRange(values[i], -1f, 1f);
        }
    }
}

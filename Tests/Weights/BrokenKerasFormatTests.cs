using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using PureHDF;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

/// <summary>Malformed .keras archives, Keras 3 weights and chunked legacy attributes: each a clear <see cref="WeightFileException"/>.</summary>
public sealed class BrokenKerasFormatTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ArchiveWithoutWeightsMember_FailsNamingTheMember()
    {
        string path = Archive("noweights.keras", ("config.json", "{}"u8.ToArray()));

        var ex = Assert.Throws<WeightFileException>(() => ShapeTable.Extract(path));

        Assert.Equal($"Weight file '{path}': the archive has no 'model.weights.h5' member; this is not a Keras 3 .keras archive.", ex.Message);
    }

    [Fact]
    public void ArchiveWithNpzWeights_FailsNamingTheFormat()
    {
        string path = Archive("npz.keras", ("config.json", "{}"u8.ToArray()), ("model.weights.npz", new byte[] { 1, 2 }));

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, KerasFormatsTests.FlatTable()));

        Assert.Contains("'model.weights.npz'", ex.Message);
        Assert.Contains("not supported", ex.Message);
    }

    [Fact]
    public void TruncatedArchive_FailsAsAZipThatCannotBeRead()
    {
        byte[] bytes = File.ReadAllBytes(KerasFormatsTests.Fixture("nested.keras"));
        string path = _temp.File("truncated.keras");
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, KerasFormatsTests.FlatTable()));

        Assert.StartsWith($"Weight file '{path}': could not read the .keras archive (zip): ", ex.Message);
        Assert.Equal(path, ex.FilePath);
    }

    [Fact]
    public void ArchiveWhoseConfigIsNotJson_FailsNamingConfigJson()
    {
        string path = Archive("badconfig.keras", ("config.json", "{ not json"u8.ToArray()), ("model.weights.h5", DenseWeights("0", "1")));

        var ex = Assert.Throws<WeightFileException>(() => ShapeTable.Extract(path));

        Assert.Contains("config.json of the .keras archive is not valid JSON", ex.Message);
    }

    [Fact]
    public void TfKerasArchiveWithCheckpointDependencies_FailsNamingTheLayout()
    {
        var file = new H5File { ["_layer_checkpoint_dependencies"] = new H5Group { ["dense"] = new H5Group { ["vars"] = new H5Group() } } };
        using var h5 = new MemoryStream();
        file.Write(h5);
        string path = Archive(
            "tfkeras.keras",
            ("metadata.json", """{"keras_version": "2.13.1"}"""u8.ToArray()),
            ("config.json", DenseConfig()),
            ("model.weights.h5", h5.ToArray()));

        var ex = Assert.Throws<WeightFileException>(() => ShapeTable.Extract(path));

        Assert.Contains("'_layer_checkpoint_dependencies' (a tf.keras 2.12-2.14 .keras file, keras_version 2.13.1)", ex.Message);
    }

    [Fact]
    public void VariablesNotNumberedFromZero_FailNamingTheLayerAndTheEntries()
    {
        string path = Archive("gap.keras", ("config.json", DenseConfig()), ("model.weights.h5", DenseWeights("0", "2")));

        var ex = Assert.Throws<WeightFileException>(() => ShapeTable.Extract(path));

        Assert.Contains("layer 'head': group 'layers/dense/vars' holds 2 entries ('0', '2'); expected variables named '0' to '1'.", ex.Message);
        Assert.Equal("head", ex.LayerName);
    }

    [Fact]
    public void ArchiveWithAWrongShape_FailsNamingFileLayerAndBothShapes()
    {
        string path = Archive("shape.keras", ("config.json", DenseConfig()), ("model.weights.h5", DenseWeights("0", "1")));
        var table = new WeightTable("Head", new[]
        {
            new WeightLayer("predictions", "Dense", "predictions", new[]
            {
                new WeightDataset("kernel", "predictions/predictions/kernel:0", new[] { 8, 5 }),
                new WeightDataset("bias", "predictions/predictions/bias:0", new[] { 3 }),
            }),
        });

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, table));

        Assert.Equal(
            $"Weight file '{path}': layer 1 of 1 with weights ('predictions', file layer 'head'), dataset 'layers/dense/vars/0': expected shape (8, 5) (kernel), found (2, 3).",
            ex.Message);
        Assert.Equal("head", ex.LayerName);
        Assert.Equal("layers/dense/vars/0", ex.DatasetPath);
    }

    [Fact]
    public void ArchiveWithFewerLayersThanTheModel_FailsWithBothCounts()
    {
        string path = Archive("short.keras", ("config.json", DenseConfig()), ("model.weights.h5", DenseWeights("0", "1")));

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, KerasFormatsTests.FlatTable()));

        Assert.Equal($"Weight file '{path}': expected 7 layers with weights (model 'Nested'), found 1 (2 layers in all).", ex.Message);
    }

    [Fact]
    public void Keras3WeightsWithoutConfig_ShapeTableAsksForTheConfig()
    {
        string path = KerasFormatsTests.Fixture("nested.weights.h5");

        var ex = Assert.Throws<WeightFileException>(() => ShapeTable.Extract(path));

        Assert.Contains("does not record the order of its layers", ex.Message);
        Assert.Contains("model.to_json()", ex.Message);
    }

    [Fact]
    public void NestedKeras3WeightsWithoutConfig_AndALegacyTable_FailNamingTheMissingGroup()
    {
        string path = KerasFormatsTests.Fixture("nested.weights.h5");

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, KerasFormatsTests.FlatTable()));

        Assert.Contains("layer 1 with weights ('block1_conv1', Conv2D) has no variables at 'layers/conv2d/vars'", ex.Message);
        Assert.Equal("block1_conv1", ex.LayerName);
    }

    [Fact]
    public void ChunkedWeightNames_AreConcatenated_AndAMissingFirstChunkIsNamed()
    {
        string path = _temp.File("chunked.h5");
        WriteChunked(path, "weight_names0", "weight_names1");
        string broken = _temp.File("chunk1only.h5");
        WriteChunked(broken, "weight_names1", "weight_names2");

        LoadedWeights weights = KerasWeightFile.Load(path, SmallH5.ConvBnTable());
        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(broken, SmallH5.ConvBnTable()));

        Assert.Equal(new[] { 0.5f, 1f, 1.5f }, weights[1, 3]);
        Assert.Equal(new[] { 1f, 2f, 3f }, weights[1, 0]);
        Assert.Contains("group 'bn' has no 'weight_names' attribute", ex.Message);
    }

    [Fact]
    public void NestedGroupWhoseDatasetIsMissing_FailsNamingTheInnerPath()
    {
        string path = _temp.File("nested_missing.h5");
        SmallH5.Write(path, new[]
        {
            new SmallLayer(
                "base",
                new SmallDataset("conv/kernel:0", Enumerable.Range(1, 6).Select(i => i * 0.25f).ToArray(), new[] { 1, 1, 2, 3 }),
                new SmallDataset("bn/gamma:0", new[] { 1f, 2f, 3f }, new[] { 3 }),
                new SmallDataset("bn/beta:0", new[] { 0.1f, 0.2f, 0.3f }, new[] { 3 }),
                new SmallDataset("bn/moving_mean:0", new[] { -1f, 0f, 1f }, new[] { 3 }),
                new SmallDataset("bn/moving_variance:0", new[] { 0.5f, 1f, 1.5f }, new[] { 3 })),
        }, omitDatasets: new System.Collections.Generic.HashSet<string> { "bn/beta:0" });

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("dataset 'base/bn/beta:0', listed in the 'weight_names' of layer 'base/bn', does not exist", ex.Message);
        Assert.Equal("base/bn", ex.LayerName);
    }

    [Fact]
    public void NestedGroup_WithoutConfig_SplitsByScopeInOrderOfFirstAppearance()
    {
        string path = _temp.File("nested_trainable_first.h5");
        SmallLayer[] flat = SmallH5.ConvActBn();
        SmallDataset[] bn = flat[2].Datasets;
        // trainable_weights + non_trainable_weights, as Keras lists a trainable nested base.
        SmallH5.Write(path, new[] { new SmallLayer("base", flat[0].Datasets[0], bn[0], bn[1], bn[2], bn[3]) }, underModelWeights: true);

        LoadedWeights weights = KerasWeightFile.Load(path, SmallH5.ConvBnTable());

        Assert.Equal(new[] { "base/conv", "base/bn" }, weights.FileLayerNames);
        Assert.Equal(new[] { -1f, 0f, 1f }, weights[1, 2]);
    }

    [Fact]
    public void OpaqueTwoByteDataset_IsBFloat16ByItsTag_AndRejectedWithoutAnyMark()
    {
        byte[] kernel = { 0x80, 0x3F, 0x00, 0x40, 0x40, 0x40, 0x80, 0x40, 0xA0, 0x40, 0xC0, 0xC0 }; // 1, 2, 3, 4, 5, -6
        string tagged = _temp.File("tagged.h5");
        string untagged = _temp.File("untagged.h5");
        WriteOpaqueKernel(tagged, kernel, "NUMPY:bfloat16");
        WriteOpaqueKernel(untagged, kernel, "raw");
        var table = new WeightTable("Conv", new[] { SmallH5.ConvBnTable().Layers[0] });

        LoadedWeights weights = KerasWeightFile.Load(tagged, table);
        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(untagged, table));

        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, -6f }, weights[0, 0]);
        Assert.Contains("dataset 'conv/conv/kernel:0': stored type opaque is not supported; expected float32 (float64, float16 and bfloat16", ex.Message);
    }

    private static void WriteOpaqueKernel(string path, byte[] bytes, string tag)
    {
        var file = new H5File
        {
            ["conv"] = new H5Group
            {
                ["conv"] = new H5Group
                {
                    ["kernel:0"] = new H5Dataset<byte[]>(bytes, fileDims: new ulong[] { 1, 1, 2, 3 }, opaqueInfo: new H5OpaqueInfo(2, tag)),
                },
            },
        };
        ((H5Group)file["conv"]).Attributes["weight_names"] = new[] { "conv/kernel:0" };
        file.Attributes["layer_names"] = new[] { "conv" };
        file.Write(path);
    }

    private static void WriteChunked(string path, string first, string second)
    {
        // The BN group's weight_names as two chunks, as Keras does for a list over 64 KB.
        var file = new H5File();
        foreach (SmallLayer layer in SmallH5.ConvActBn())
        {
            var group = new H5Group();
            string[] names = layer.Datasets.Select(d => d.WeightName).ToArray();
            if (layer.Name == "bn")
            {
                group.Attributes[first] = names.Take(3).ToArray();
                group.Attributes[second] = names.Skip(3).ToArray();
            }
            else if (names.Length > 0)
            {
                group.Attributes["weight_names"] = names;
            }
            else
            {
                group.Attributes["weight_names"] = new H5Attribute(Array.Empty<double>(), new ulong[] { 0 });
            }

            var inner = new H5Group();
            foreach (SmallDataset d in layer.Datasets)
            {
                inner[d.WeightName.Split('/')[1]] = new H5Dataset<float[]>((float[])d.Data, fileDims: d.Shape.Select(s => (ulong)s).ToArray());
            }

            if (layer.Datasets.Length > 0)
            {
                group[layer.Name] = inner;
            }

            file[layer.Name] = group;
        }

        file.Attributes["layer_names"] = new[] { "conv", "act", "bn" };
        file.Write(path);
    }

    private static byte[] DenseConfig()
        => System.Text.Encoding.UTF8.GetBytes(
            """{"class_name": "Functional", "config": {"name": "m", "layers": [{"class_name": "InputLayer", "name": "in", "config": {"name": "in"}}, {"class_name": "Dense", "name": "head", "config": {"name": "head"}}]}}""");

    /// <summary>A Keras 3 weights file with one Dense at layers/dense whose variables have the given names, kernel (2, 3) and bias (3,).</summary>
    private static byte[] DenseWeights(string kernelName, string biasName)
    {
        var vars = new H5Group
        {
            [kernelName] = new H5Dataset<float[]>(new float[6], fileDims: new ulong[] { 2, 3 }),
            [biasName] = new H5Dataset<float[]>(new float[3], fileDims: new ulong[] { 3 }),
        };
        var file = new H5File
        {
            ["vars"] = new H5Group(),
            ["layers"] = new H5Group
            {
                ["input_layer"] = new H5Group { ["vars"] = new H5Group() },
                ["dense"] = new H5Group { ["vars"] = vars },
            },
        };
        using var stream = new MemoryStream();
        file.Write(stream);
        return stream.ToArray();
    }

    private string Archive(string name, params (string Member, byte[] Bytes)[] members)
    {
        string path = _temp.File(name);
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach ((string member, byte[] bytes) in members)
            {
                using Stream s = zip.CreateEntry(member).Open();
                s.Write(bytes);
            }
        }

        return path;
    }
}

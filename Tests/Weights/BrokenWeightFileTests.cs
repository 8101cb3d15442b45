using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PureHDF;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

public sealed class BrokenWeightFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SmallKeras2File_WithWeightlessLayer_LoadsByOrderSkippingIt()
    {
        string path = _temp.File("small.h5");
        SmallH5.Write(path, SmallH5.ConvActBn());

        LoadedWeights weights = KerasWeightFile.Load(path, SmallH5.ConvBnTable());

        Assert.Equal(2, weights.LayerCount);
        Assert.Equal(new[] { "conv", "bn" }, weights.FileLayerNames);
        Assert.Equal(new[] { 0.25f, 0.5f, 0.75f, 1f, 1.25f, 1.5f }, weights[0, 0]);
        Assert.Equal(new[] { 0.5f, 1f, 1.5f }, weights[1, 3]);
    }

    [Fact]
    public void MissingFile_ThrowsFileNotFoundNamingThePath()
    {
        string path = _temp.File("absent.h5");

        var ex = Assert.Throws<FileNotFoundException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Equal(path, ex.FileName);
        Assert.Contains(path, ex.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(5000)]
    public void NonHdf5File_FailsWithNoSignatureMessage(int length)
    {
        string path = _temp.File("garbage.h5");
        var bytes = new byte[length];
        new Random(4).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Equal($"Weight file '{path}' is not an HDF5 file (no HDF5 signature at offset 0, 512, 1024, ...).", ex.Message);
        Assert.Equal(path, ex.FilePath);
    }

    [Fact]
    public void JsonFileWithH5Extension_FailsWithNoSignatureMessage()
    {
        string path = _temp.File("shapes.h5");
        File.WriteAllText(path, ShapeTable.Extract(WeightFixtures.Path(WeightFixtures.Keras2Notop)).ToJson());

        var ex = Assert.Throws<WeightFileException>(() => ShapeTable.Extract(path));

        Assert.Contains("is not an HDF5 file", ex.Message);
    }

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.999)]
    public void TruncatedFixture_FailsWithWeightFileException(double keptFraction)
    {
        byte[] bytes = File.ReadAllBytes(WeightFixtures.Path(WeightFixtures.Keras2Top));
        string path = _temp.File("truncated.h5");
        File.WriteAllBytes(path, bytes.AsSpan(0, (int)(bytes.Length * keptFraction)).ToArray());
        WeightTable table = WeightFixtures.TableOf(WeightFixtures.Keras2Top);

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, table));

        Assert.Equal(path, ex.FilePath);
        Assert.StartsWith($"Weight file '{path}': could not read ", ex.Message);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public void FileWithoutLayerNames_FailsNamingTheAttribute()
    {
        string path = _temp.File("nolayernames.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(), withLayerNames: false);

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("no 'layer_names' attribute", ex.Message);
        Assert.Contains("'model_weights'", ex.Message);
    }

    [Fact]
    public void FullModelFile_WeightsUnderModelWeights_LoadAsKerasDoes()
    {
        string path = _temp.File("model.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(), underModelWeights: true);

        LoadedWeights weights = KerasWeightFile.Load(path, SmallH5.ConvBnTable());
        ShapeTable table = ShapeTable.Extract(path);

        Assert.Equal(new[] { 1f, 2f, 3f }, weights[1, 0]);
        Assert.Equal("model_weights/conv/conv/kernel:0", table.Layers[0].Weights[0].Path);
        Assert.Equal(3, table.LayerCount);
    }

    [Fact]
    public void LayerListedWithoutGroup_FailsNamingTheLayer()
    {
        string path = _temp.File("nogroup.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(), omitGroups: new HashSet<string> { "act" });

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("layer 'act' (entry 1 of 3 in 'layer_names') has no group 'act'", ex.Message);
        Assert.Equal("act", ex.LayerName);
    }

    [Fact]
    public void DatasetListedButMissing_FailsNamingTheDatasetPath()
    {
        string path = _temp.File("nodataset.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(), omitDatasets: new HashSet<string> { "bn/moving_mean:0" });

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("dataset 'bn/bn/moving_mean:0', listed in the 'weight_names' of layer 'bn', does not exist", ex.Message);
        Assert.Equal("bn/bn/moving_mean:0", ex.DatasetPath);
        Assert.Equal("bn", ex.LayerName);
    }

    [Fact]
    public void MissingIntermediateGroup_FailsAsMissingDataset()
    {
        SmallLayer[] layers = SmallH5.ConvActBn();
        layers[0] = new SmallLayer("conv", new SmallDataset("conv_1/kernel:0", layers[0].Datasets[0].Data, new[] { 1, 1, 2, 3 }));
        string path = _temp.File("scope.h5");
        SmallH5.Write(path, layers, omitDatasets: new HashSet<string> { "conv_1/kernel:0" });

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Equal("conv/conv_1/kernel:0", ex.DatasetPath);
    }

    [Fact]
    public void WeightNamesScopeDifferentFromLayerName_IsReadFromTheListedName()
    {
        SmallLayer[] layers = SmallH5.ConvActBn();
        layers[0] = new SmallLayer("conv", new SmallDataset("conv_1/kernel:0", layers[0].Datasets[0].Data, new[] { 1, 1, 2, 3 }));
        string path = _temp.File("scope.h5");
        SmallH5.Write(path, layers);

        LoadedWeights weights = KerasWeightFile.Load(path, SmallH5.ConvBnTable());

        Assert.Equal(1.5f, weights[0, 0][5]);
    }

    [Fact]
    public void FileWithFewerLayers_FailsWithBothCounts()
    {
        string path = _temp.File("short.h5");
        SmallH5.Write(path, SmallH5.ConvActBn().Take(2).ToArray());

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Equal($"Weight file '{path}': expected 2 layers with weights (model 'Small'), found 1 in 'layer_names' (2 layers in all).", ex.Message);
    }

    [Fact]
    public void Float64Dataset_IsConvertedToFloat32()
    {
        double[] kernel = { 0.1, -0.2, 1e-3, 3.0000001, 1e10, -7.5 };
        string path = _temp.File("f64.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(kernel));

        LoadedWeights weights = KerasWeightFile.Load(path, SmallH5.ConvBnTable());

        Assert.Equal(kernel.Select(v => (float)v).ToArray(), weights[0, 0]);
        Assert.Equal("float64", ShapeTable.Extract(path).Layers[0].Weights[0].DType);
    }

    [Fact]
    public void Float16Dataset_IsConvertedToFloat32()
    {
        Half[] kernel = { (Half)0.5, (Half)(-2), (Half)0.1, (Half)1000, (Half)(-0.25), (Half)3 };
        string path = _temp.File("f16.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(kernel));

        LoadedWeights weights = KerasWeightFile.Load(path, SmallH5.ConvBnTable());

        Assert.Equal(kernel.Select(v => (float)v).ToArray(), weights[0, 0]);
    }

    [Fact]
    public void Int32Dataset_IsRejectedNamingTheType()
    {
        string path = _temp.File("int.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(new[] { 1, 2, 3, 4, 5, 6 }));

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("dataset 'conv/conv/kernel:0': stored type int32 is not supported; expected float32", ex.Message);
        Assert.Equal("conv/conv/kernel:0", ex.DatasetPath);
    }

    [Fact]
    public void HugeDeclaredShape_FailsOnShapeBeforeReadingData()
    {
        // A 2 x 3 x 1000 x 1000 dataset declared where (1, 1, 2, 3) is expected: the shape check must come first.
        string path = _temp.File("big.h5");
        var file = new H5File
        {
            ["conv"] = new H5Group
            {
                ["kernel:0"] = new H5Dataset<float[]>(fileDims: new ulong[] { 2, 3, 1000, 1000 }),
            },
        };
        ((H5Group)file["conv"]).Attributes["weight_names"] = new[] { "kernel:0" };
        file.Attributes["layer_names"] = new[] { "conv" };
        using (H5NativeWriter writer = file.BeginWrite(path))
        {
        }

        var table = new WeightTable("Small", new[] { SmallH5.ConvBnTable().Layers[0] });
        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, table));

        Assert.Contains("expected shape (1, 1, 2, 3) (kernel), found (2, 3, 1000, 1000)", ex.Message);
    }

    [Fact]
    public void NonStringWeightNames_FailWithTypeMessage()
    {
        string path = _temp.File("numbers.h5");
        var file = new H5File { ["conv"] = new H5Group() };
        ((H5Group)file["conv"]).Attributes["weight_names"] = new[] { 1.0, 2.0 };
        file.Attributes["layer_names"] = new[] { "conv" };
        file.Write(path);

        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("attribute 'weight_names' of group 'conv' holds float64 values; expected strings", ex.Message);
    }
}

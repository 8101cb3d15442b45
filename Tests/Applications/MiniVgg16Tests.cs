using System;
using System.Linq;
using Xception.Compiler.Tests.Generator.Infrastructure;
using Xception.Compiler.Runtime;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Applications;

/// <summary>
/// The reduced VGG16 (models/vgg16*.xcs.json with filters and units ÷16, 64×64 input, 10 classes), loaded from
/// weight files in the official VGG16 file's layout (Keras 1 names <c>block1_conv1_W_1:0</c>), against the float64
/// reference that Tests/Fixtures/tools/make_application_weights.py computes from keras/applications/vgg16.py.
/// </summary>
public sealed class MiniVgg16Tests(ITestOutputHelper output)
{
    private const string Input = "mini_vgg16_input_64x64_seed41.npy";

    [Theory]
    [InlineData(Backend.Cpu)]
    [InlineData(Backend.IlgpuCpu)]
    public void Top_OfficialLayout_MatchesFloat64ReferenceWithin1e5(Backend backend)
    {
        using var model = MiniVgg16.Load(TestPaths.Fixture("mini_vgg16_w16_64x64_top10.h5"), new InferenceOptions { Backend = backend });
        Float64ReferenceCheck.AssertWithinTolerance(model, Input, "mini_vgg16_expected_64x64_seed41.npy", $"mini VGG16 top on {backend}", output);
    }

    [Theory]
    [InlineData(Backend.Cpu)]
    [InlineData(Backend.IlgpuCpu)]
    public void NotopAvgPooling_OfficialLayout_MatchesFloat64ReferenceWithin1e5(Backend backend)
    {
        using var model = MiniVgg16NotopAvg.Load(TestPaths.Fixture("mini_vgg16_w16_64x64_notop.h5"), new InferenceOptions { Backend = backend });
        Float64ReferenceCheck.AssertWithinTolerance(model, Input, "mini_vgg16_expected_notop_avg_64x64_seed41.npy", $"mini VGG16 notop avg on {backend}", output);
    }

    [Fact]
    public void FullSizeDescriptions_CarryTheOfficialUrlAndMd5()
    {
        Assert.Equal("https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5", Vgg16.WeightsUrl);
        Assert.Equal("64373286793e3c8b2b4e3219cbf3544b", Vgg16.WeightsMd5);
        Assert.Equal("6d6bbae143d832006294945121d1f1fc", Vgg16Notop.WeightsMd5);
        Assert.Equal(1000, Vgg16.OutputLength);
        Assert.Equal(512, Vgg16Notop.OutputLength);
        // Keras's applications table: 138,357,544 parameters in 16 layers with weights (13 without the top).
        Assert.Equal(16, Vgg16.WeightTable.Layers.Count);
        Assert.Equal(13, Vgg16Notop.WeightTable.Layers.Count);
        Assert.Equal(138_357_544L, WeightTableCounts.Parameters(Vgg16.WeightTable));
        Assert.Equal(14_714_688L, WeightTableCounts.Parameters(Vgg16Notop.WeightTable));
    }

    [Fact]
    public void OfficialVgg16Table_Keras1SuffixedNames_NameTheKerasClassesTheDescriptionLoads()
    {
        // block1_conv1_W_1:0 / fc1_b_1:0: the runtime reads the class of each file layer from its dataset names.
        var table = Runtime.Weights.ShapeTable.Parse(System.IO.File.ReadAllText(RepoFiles.PathOf("models/vgg16_weights_tf_dim_ordering_tf_kernels.shapes.json")));

        string?[] fromFile = table.Layers.Select(l => l.KerasClass).ToArray();

        Assert.Equal(Enumerable.Repeat("Conv2D", 13).Concat(Enumerable.Repeat("Dense", 3)), fromFile);
        Assert.Equal(Vgg16.WeightTable.Layers.Select(l => l.KerasClass), fromFile);
        Assert.Equal(new[] { "kernel", "bias" }, table.Layers[13].Weights.Select(w => w.KerasVariable));
    }
}

using Xception.Compiler.Runtime;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Applications;

/// <summary>
/// The reduced DenseNet121 (models/densenet121.xcs.json with the stem, the growth rate and the bottleneck divided by 8:
/// blocks [6, 12, 24, 16], growth 4, 64×64 input, 10 classes or pooling avg; Tests/Models/MiniDenseNet121*.xcs.json),
/// loaded from weight files in the official file's layout, against the float64 reference that
/// Tests/Fixtures/tools/make_application_weights.py computes from keras/applications/densenet.py. Each dense block
/// runs in one shared buffer: the pool before it writes its first channels, each 3×3 convolution its slice, and each
/// BatchNormalization reads a channel prefix of it.
/// </summary>
public sealed class MiniDenseNet121Tests(ITestOutputHelper output)
{
    private const string Input = "mini_apps_input_64x64_seed43.npy";

    [Theory]
    [InlineData(true, Backend.Cpu)]
    [InlineData(true, Backend.IlgpuCpu)]
    [InlineData(false, Backend.Cpu)]
    [InlineData(false, Backend.IlgpuCpu)]
    public void OfficialLayout_MatchesFloat64ReferenceWithin1e5(bool includeTop, Backend backend)
    {
        var options = new InferenceOptions { Backend = backend };
        using ICompiledModel model = includeTop
            ? MiniDenseNet121.Load(TestPaths.Fixture("mini_densenet121_w8_64x64_top10.h5"), options)
            : MiniDenseNet121NotopAvg.Load(TestPaths.Fixture("mini_densenet121_w8_64x64_notop.h5"), options);
        string expectedFile = includeTop ? "mini_densenet121_expected_64x64_seed43.npy" : "mini_densenet121_expected_notop_avg_64x64_seed43.npy";

        Float64ReferenceCheck.AssertWithinTolerance(model, Input, expectedFile, $"mini DenseNet121 {(includeTop ? "top" : "notop avg")} on {backend}", output);
    }

    [Fact]
    public void FullSizeDenseNet121_CarriesTheOfficialUrlMd5AndKerasCounts()
    {
        Assert.Equal("https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet121_weights_tf_dim_ordering_tf_kernels.h5", DenseNet121.WeightsUrl);
        Assert.Equal("9d60b8095a5708f2dcce2bca79d332c7", DenseNet121.WeightsMd5);
        Assert.Equal("30ee3e1110167f948a6b9946edeeb738", DenseNet121Notop.WeightsMd5);
        Assert.Equal((224, 224, 3), (DenseNet121.InputHeight, DenseNet121.InputWidth, DenseNet121.InputChannels));
        Assert.Equal(1000, DenseNet121.OutputLength);
        Assert.Equal(1024, DenseNet121Notop.OutputLength);
        Assert.Equal(242, DenseNet121.WeightTable.Layers.Count);
        Assert.Equal(241, DenseNet121Notop.WeightTable.Layers.Count);
        Assert.Equal(8_062_504L, WeightTableCounts.Parameters(DenseNet121.WeightTable));
        Assert.Equal(7_037_504L, WeightTableCounts.Parameters(DenseNet121Notop.WeightTable));
    }
}

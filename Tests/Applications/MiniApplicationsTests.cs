using System;
using Xception.Compiler.Runtime;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Applications;

/// <summary>
/// The reduced ResNet50, MobileNetV2 and MobileNet (models/*.xcs.json with every filter count divided by 16, 8 and 8,
/// 64×64 input, 10 classes or pooling avg; Tests/Models/Mini*.xcs.json), loaded from weight files in the official
/// files' layout, against the float64 reference that Tests/Fixtures/tools/make_application_weights.py computes from
/// keras/applications/*.py: zero padding folded into convolutions and pools, BN after biased and unbiased
/// convolutions, ReLU6, stride-2 depthwise kernels, residual adds, MobileNet's 1×1-conv top with reshape.
/// </summary>
public sealed class MiniApplicationsTests(ITestOutputHelper output)
{
    private const string Input = "mini_apps_input_64x64_seed43.npy";

    [Theory]
    [InlineData("resnet50", Backend.Cpu)]
    [InlineData("resnet50", Backend.IlgpuCpu)]
    [InlineData("resnet50_notop", Backend.Cpu)]
    [InlineData("resnet50_notop", Backend.IlgpuCpu)]
    [InlineData("mobilenet_v2", Backend.Cpu)]
    [InlineData("mobilenet_v2", Backend.IlgpuCpu)]
    [InlineData("mobilenet_v2_notop", Backend.Cpu)]
    [InlineData("mobilenet_v2_notop", Backend.IlgpuCpu)]
    [InlineData("mobilenet", Backend.Cpu)]
    [InlineData("mobilenet", Backend.IlgpuCpu)]
    [InlineData("mobilenet_notop", Backend.Cpu)]
    [InlineData("mobilenet_notop", Backend.IlgpuCpu)]
    public void OfficialLayout_MatchesFloat64ReferenceWithin1e5(string application, Backend backend)
    {
        var options = new InferenceOptions { Backend = backend };
        using ICompiledModel model = application switch
        {
            "resnet50" => MiniResNet50.Load(TestPaths.Fixture("mini_resnet50_w16_64x64_top10.h5"), options),
            "resnet50_notop" => MiniResNet50NotopAvg.Load(TestPaths.Fixture("mini_resnet50_w16_64x64_notop.h5"), options),
            "mobilenet_v2" => MiniMobileNetV2.Load(TestPaths.Fixture("mini_mobilenet_v2_w8_64x64_top10.h5"), options),
            "mobilenet_v2_notop" => MiniMobileNetV2NotopAvg.Load(TestPaths.Fixture("mini_mobilenet_v2_w8_64x64_notop.h5"), options),
            "mobilenet" => MiniMobileNet.Load(TestPaths.Fixture("mini_mobilenet_w8_64x64_top10.h5"), options),
            "mobilenet_notop" => MiniMobileNetNotopAvg.Load(TestPaths.Fixture("mini_mobilenet_w8_64x64_notop.h5"), options),
            _ => throw new ArgumentOutOfRangeException(nameof(application), application, "no such reduced application"),
        };
        string expectedFile = application.EndsWith("_notop", StringComparison.Ordinal)
            ? $"mini_{application[..^6]}_expected_notop_avg_64x64_seed43.npy"
            : $"mini_{application}_expected_64x64_seed43.npy";

        Float64ReferenceCheck.AssertWithinTolerance(model, Input, expectedFile, $"mini {application} on {backend}", output);
    }

    [Fact]
    public void FullSizeResNet50_CarriesTheOfficialUrlMd5AndKerasCounts()
    {
        Assert.Equal("https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5", ResNet50.WeightsUrl);
        Assert.Equal("2cb95161c43110f7111970584f804107", ResNet50.WeightsMd5);
        Assert.Equal("4d473c1dd8becc155b73f8504c6f6626", ResNet50Notop.WeightsMd5);
        Assert.Equal((224, 224, 3), (ResNet50.InputHeight, ResNet50.InputWidth, ResNet50.InputChannels));
        Assert.Equal(1000, ResNet50.OutputLength);
        Assert.Equal(2048, ResNet50Notop.OutputLength);
        Assert.Equal(107, ResNet50.WeightTable.Layers.Count);
        Assert.Equal(106, ResNet50Notop.WeightTable.Layers.Count);
        Assert.Equal(25_636_712L, WeightTableCounts.Parameters(ResNet50.WeightTable));
        Assert.Equal(23_587_712L, WeightTableCounts.Parameters(ResNet50Notop.WeightTable));
    }

    [Fact]
    public void FullSizeMobileNetV2_CarriesTheOfficialUrlAndKerasCounts()
    {
        Assert.Equal("https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5", MobileNetV2.WeightsUrl);
        Assert.Equal(1000, MobileNetV2.OutputLength);
        Assert.Equal(1280, MobileNetV2Notop.OutputLength);
        Assert.Equal(105, MobileNetV2.WeightTable.Layers.Count);
        Assert.Equal(104, MobileNetV2Notop.WeightTable.Layers.Count);
        Assert.Equal(3_538_984L, WeightTableCounts.Parameters(MobileNetV2.WeightTable));
        Assert.Equal(2_257_984L, WeightTableCounts.Parameters(MobileNetV2Notop.WeightTable));
    }

    [Fact]
    public void FullSizeMobileNet_CarriesTheOfficialUrlAndKerasCounts()
    {
        Assert.Equal("https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/mobilenet_1_0_224_tf.h5", MobileNet.WeightsUrl);
        Assert.Equal(1000, MobileNet.OutputLength);
        Assert.Equal(1024, MobileNetNotop.OutputLength);
        Assert.Equal(55, MobileNet.WeightTable.Layers.Count);
        Assert.Equal(54, MobileNetNotop.WeightTable.Layers.Count);
        Assert.Equal(4_253_864L, WeightTableCounts.Parameters(MobileNet.WeightTable));
        Assert.Equal(3_228_864L, WeightTableCounts.Parameters(MobileNetNotop.WeightTable));
    }
}

using Xception.Compiler.Runtime;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Applications;

/// <summary>
/// The reduced EfficientNetB0 (models/efficientnetb0*.xcs.json with every filter count divided by 8, 64×64 input,
/// 10 classes or pooling avg; Tests/Models/MiniEfficientNetB0*.xcs.json), loaded from weight files in the official
/// file's layout, against the float64 reference that Tests/Fixtures/tools/make_application_weights.py computes from
/// keras/applications/efficientnet.py: the Rescaling + Normalization (weights from the file) + Rescaling stem on raw
/// 0..255 pixels, swish, 3×3 and 5×5 depthwise kernels with stride 2 behind correct_pad's ZeroPadding2D,
/// squeeze-and-excitation (pool, reshape, 1×1 swish, 1×1 sigmoid, multiply) and the residual adds.
/// </summary>
public sealed class MiniEfficientNetB0Tests(ITestOutputHelper output)
{
    private const string Input = "mini_apps_input_raw_64x64_seed45.npy";

    [Theory]
    [InlineData(false, Backend.Cpu)]
    [InlineData(false, Backend.IlgpuCpu)]
    [InlineData(true, Backend.Cpu)]
    [InlineData(true, Backend.IlgpuCpu)]
    public void OfficialLayout_MatchesFloat64ReferenceWithin1e5(bool notop, Backend backend)
    {
        var options = new InferenceOptions { Backend = backend };
        using ICompiledModel model = notop
            ? MiniEfficientNetB0NotopAvg.Load(TestPaths.Fixture("mini_efficientnetb0_w8_64x64_notop.h5"), options)
            : MiniEfficientNetB0.Load(TestPaths.Fixture("mini_efficientnetb0_w8_64x64_top10.h5"), options);
        string expectedFile = notop
            ? "mini_efficientnetb0_expected_notop_avg_64x64_seed45.npy"
            : "mini_efficientnetb0_expected_64x64_seed45.npy";

        Float64ReferenceCheck.AssertWithinTolerance(model, Input, expectedFile, $"mini EfficientNetB0 {(notop ? "notop avg" : "top")} on {backend}", output);
    }

    [Fact]
    public void FullSizeEfficientNetB0_CarriesTheOfficialUrlMd5AndKerasCounts()
    {
        Assert.Equal("https://storage.googleapis.com/keras-applications/efficientnetb0.h5", EfficientNetB0.WeightsUrl);
        Assert.Equal("902e53a9f72be733fc0bcb005b3ebbac", EfficientNetB0.WeightsMd5);
        Assert.Equal("50bc09e76180e00e4465e1a485ddc09d", EfficientNetB0Notop.WeightsMd5);
        Assert.Equal((224, 224, 3), (EfficientNetB0.InputHeight, EfficientNetB0.InputWidth, EfficientNetB0.InputChannels));
        Assert.Equal(1000, EfficientNetB0.OutputLength);
        Assert.Equal(1280, EfficientNetB0Notop.OutputLength);
        Assert.Equal(132, EfficientNetB0.WeightTable.Layers.Count);
        Assert.Equal(131, EfficientNetB0Notop.WeightTable.Layers.Count);
        Assert.Equal(5_330_571L, WeightTableCounts.Parameters(EfficientNetB0.WeightTable));
        Assert.Equal(4_049_571L, WeightTableCounts.Parameters(EfficientNetB0Notop.WeightTable));
    }
}

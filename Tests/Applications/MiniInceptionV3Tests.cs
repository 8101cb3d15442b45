using Xception.Compiler.Runtime;
using Xception.Compiler.Tests.Models;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Applications;

/// <summary>
/// The reduced InceptionV3 (models/inception_v3.xcs.json with every filter count ÷16, 75×75 input, 10 classes: all
/// eleven mixed blocks, 15 concatenations, 94 conv + BN(scale=False) + ReLU), loaded from a weight file in the official
/// file's layout, against the float64 interpreter of Tests/Fixtures/tools/make_application_weights.py (mini-inception).
/// </summary>
public sealed class MiniInceptionV3Tests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(Backend.Cpu)]
    [InlineData(Backend.IlgpuCpu)]
    public void Top_OfficialLayout_MatchesFloat64ReferenceWithin1e5(Backend backend)
    {
        using var model = MiniInceptionV3.Load(TestPaths.Fixture("mini_inception_v3_w16_75x75_top10.h5"), new InferenceOptions { Backend = backend, MaxBatch = 2 });
        Float64ReferenceCheck.AssertWithinTolerance(
            model, "mini_inception_v3_input_75x75_seed51.npy", "mini_inception_v3_expected_75x75_seed51.npy", $"mini InceptionV3 on {backend}", output);
    }

    [Fact]
    public void FullSizeDescriptions_CarryTheOfficialUrlAndMd5_AndKerasCounts()
    {
        Assert.Equal("https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5", InceptionV3.WeightsUrl);
        Assert.Equal("9a0d58056eeedaa3f26cb7ebd46da564", InceptionV3.WeightsMd5);
        Assert.Equal("bcbd6486424b2319ff4ef7d526e38f63", InceptionV3Notop.WeightsMd5);
        Assert.Equal((299, 299, 3, 1000), (InceptionV3.InputHeight, InceptionV3.InputWidth, InceptionV3.InputChannels, InceptionV3.OutputLength));
        Assert.Equal(2048, InceptionV3Notop.OutputLength);
        // Keras's applications table: 23,851,784 parameters in 189 layers with weights (188 without the top).
        Assert.Equal(189, InceptionV3.WeightTable.Layers.Count);
        Assert.Equal(188, InceptionV3Notop.WeightTable.Layers.Count);
        Assert.Equal(23_851_784L, WeightTableCounts.Parameters(InceptionV3.WeightTable));
    }
}

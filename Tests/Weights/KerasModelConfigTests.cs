using System.Linq;
using System.Text.Json;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

public sealed class KerasModelConfigTests
{
    [Theory]
    [InlineData("Conv2D", "conv2d")]
    [InlineData("SeparableConv2D", "separable_conv2d")]
    [InlineData("DepthwiseConv2D", "depthwise_conv2d")]
    [InlineData("BatchNormalization", "batch_normalization")]
    [InlineData("ReLU", "re_lu")]
    [InlineData("LeakyReLU", "leaky_re_lu")]
    [InlineData("PReLU", "p_re_lu")]
    [InlineData("GlobalAveragePooling2D", "global_average_pooling2d")]
    [InlineData("MaxPooling2D", "max_pooling2d")]
    [InlineData("ZeroPadding2D", "zero_padding2d")]
    [InlineData("Conv2DTranspose", "conv2d_transpose")]
    [InlineData("UpSampling2D", "up_sampling2d")]
    [InlineData("InputLayer", "input_layer")]
    [InlineData("Functional", "functional")]
    [InlineData("MyNet", "my_net")]
    [InlineData("XYZAbc", "xyz_abc")] // this and the next two: Keras 3's regexes run in python3
    [InlineData("HTTPServer2D", "http_server2d")]
    [InlineData("aBcDef", "a_bc_def")]
    public void ToSnakeCase_GivesKerasGroupNames(string className, string expected)
        => Assert.Equal(expected, KerasModelConfig.ToSnakeCase(className)); // KERAS_FORMATS.md §6

    [Fact]
    public void Layers_ReadsTheBareListSequentialOfKeras2_0AndTheDictForm()
    {
        using JsonDocument bare = JsonDocument.Parse("""{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d1"}}, {"class_name": "Dense", "config": {"name": "d2"}}]}""");
        using JsonDocument dict = JsonDocument.Parse("""{"class_name": "Model", "config": {"name": "m", "layers": [{"class_name": "InputLayer", "name": "in", "config": {"name": "in"}}]}}""");

        Assert.Equal(new[] { "d1", "d2" }, KerasModelConfig.Layers(bare.RootElement).Select(KerasModelConfig.Name));
        Assert.Equal(new[] { "in" }, KerasModelConfig.Layers(dict.RootElement).Select(KerasModelConfig.Name));
        Assert.True(KerasModelConfig.IsModel(dict.RootElement));
        Assert.True(KerasModelConfig.IsSequential(bare.RootElement));
    }
}
